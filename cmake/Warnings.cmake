# Warnings as errors for our own code only: targets link attrition_warnings privately;
# dependencies are found as imported (SYSTEM) targets, so their headers stay quiet.
add_library(attrition_warnings INTERFACE)
target_compile_options(attrition_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wnon-virtual-dtor -Werror
  # g++ 12 reports a false mismatched-new-delete on Asio coroutine frames (sized delete of
  # the frame allocator); it fires inside Boost headers expanded into our coroutines.
  -Wno-mismatched-new-delete
  # Designated initializers that leave defaulted members out are intended.
  -Wno-missing-field-initializers)
