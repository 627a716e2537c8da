# istmd_idl_library(TARGET name IDLS file.idl ...)
# Runs tools/idlc at build time over the given IDL files (all parsed together, so
# one file may use types of another) and builds the generated C into a static
# library. Generated files live only in the build tree, under gen/idl/.
# With ISTMD_TESTS it also builds <name>_test: the generated test helpers
# (fill and compare for every type and call) plus src/ndr/idl_testing.c.
# Owned by tools/idlc; see docs/idlc.md.
function(istmd_idl_library)
  cmake_parse_arguments(ARG "" "TARGET" "IDLS" ${ARGN})
  set(gen ${CMAKE_BINARY_DIR}/gen/idl)
  set(idlc ${PROJECT_SOURCE_DIR}/tools/idlc/idlc)
  file(GLOB idlc_modules ${PROJECT_SOURCE_DIR}/tools/idlc/*.py)
  set(idl_paths)
  set(outputs)
  set(sources)
  set(test_sources)
  foreach(idl ${ARG_IDLS})
    get_filename_component(name ${idl} NAME_WE)
    string(REGEX REPLACE "[^A-Za-z0-9_]" "_" base ${name})
    list(APPEND idl_paths ${CMAKE_CURRENT_SOURCE_DIR}/${idl})
    list(APPEND outputs ${gen}/${base}.h ${gen}/ndr_${base}.h ${gen}/ndr_${base}.c
      ${gen}/test_${base}.h ${gen}/test_${base}.c)
    list(APPEND sources ${gen}/ndr_${base}.c)
    list(APPEND test_sources ${gen}/test_${base}.c)
  endforeach()
  add_custom_command(OUTPUT ${outputs}
    COMMAND ${PYTHON3} ${idlc} --out ${gen} --test-out ${gen} ${idl_paths}
    DEPENDS ${idl_paths} ${idlc} ${idlc_modules}
    COMMENT "idlc: generating NDR code for ${ARG_IDLS}"
    VERBATIM)
  add_library(${ARG_TARGET} STATIC ${sources})
  target_include_directories(${ARG_TARGET} PUBLIC ${CMAKE_BINARY_DIR}/gen)
  target_link_libraries(${ARG_TARGET} PUBLIC istmd_ndr istmd_samba)
  if(ISTMD_TESTS OR ISTMD_FUZZ)
    add_library(${ARG_TARGET}_test STATIC ${test_sources} ${PROJECT_SOURCE_DIR}/src/ndr/idl_testing.c)
    target_link_libraries(${ARG_TARGET}_test PUBLIC ${ARG_TARGET})
  endif()
endfunction()
