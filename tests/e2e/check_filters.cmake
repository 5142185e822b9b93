# The e2e CTest tests run e2e_tests by suite (--gtest_filter, tests/e2e/CMakeLists.txt): each
# suite the executable holds must be one a file's test names, or its tests would run under no
# CTest test (a TEST( split across lines, a macro the configure step does not read).
#   cmake -DEXECUTABLE=<e2e_tests> -DSUITES=<suite,...> -P check_filters.cmake
cmake_minimum_required(VERSION 3.25)
string(REPLACE "," ";" SUITES "${SUITES}")
execute_process(COMMAND ${EXECUTABLE} --gtest_list_tests OUTPUT_VARIABLE listing
                RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "e2e_tests --gtest_list_tests failed (${status})")
endif()
string(REPLACE "\n" ";" lines "${listing}")
set(count 0)
foreach(line IN LISTS lines)
  # Suite lines start in column 0: "Suite." or "Instantiation/Suite." (parameterized).
  if(line MATCHES "^([A-Za-z0-9_]+/)?([A-Za-z0-9_]+)\\.")
    set(suite ${CMAKE_MATCH_2})
    if(NOT suite IN_LIST SUITES)
      message(FATAL_ERROR "e2e suite ${suite} is run by no CTest test (no file's filter names it)")
    endif()
    math(EXPR count "${count} + 1")
  endif()
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "e2e_tests listed no suite")
endif()
message(STATUS "${count} e2e suites, each run by its file's CTest test")
