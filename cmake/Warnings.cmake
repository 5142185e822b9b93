# Warnings for our own code only: targets link attrition_warnings privately; dependencies are
# found as imported (SYSTEM) targets, so their headers stay quiet. ATTRITION_WERROR
# (CMakeLists.txt) makes them errors: ON in the dev, asan, tsan, fuzz and ci-release presets
# (what developers and CI build), OFF by default and in the release preset, so that a user's
# build with another compiler, or a newer g++, does not fail on a warning that compiler adds.
add_library(attrition_warnings INTERFACE)
target_compile_options(attrition_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wnon-virtual-dtor
  $<$<BOOL:${ATTRITION_WERROR}>:-Werror>
  # g++ 12 reports a false mismatched-new-delete on Asio coroutine frames (sized delete of
  # the frame allocator); it fires inside Boost headers expanded into our coroutines.
  -Wno-mismatched-new-delete
  # Designated initializers that leave defaulted members out are intended.
  -Wno-missing-field-initializers)
