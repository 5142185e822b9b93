# attrition_module(NAME PUBLIC deps... PRIVATE deps...): one folder, one library made of every
# .cpp in the folder (CONFIGURE_DEPENDS re-globs on build, so parallel work adds files without
# editing lists). A folder with no sources yet is an INTERFACE library.
function(attrition_module NAME)
  cmake_parse_arguments(M "" "" "PUBLIC;PRIVATE" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(sources)
    add_library(${NAME} STATIC ${sources})
    target_link_libraries(${NAME} PUBLIC ${M_PUBLIC} PRIVATE attrition_warnings ${M_PRIVATE})
  else()
    add_library(${NAME} INTERFACE)
    target_link_libraries(${NAME} INTERFACE ${M_PUBLIC})
  endif()
endfunction()
