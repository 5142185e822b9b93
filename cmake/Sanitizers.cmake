if(ATTRITION_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(ATTRITION_TSAN)
  # -Wno-tsan: g++ 12 warns that TSan does not model atomic_thread_fence, which Asio's
  # std_fenced_block uses around handlers run in place; Asio's own locking is what orders them.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  add_link_options(-fsanitize=thread)
endif()
