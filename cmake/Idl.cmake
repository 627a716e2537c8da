# istmd_idl_library(TARGET name IDLS file.idl ...)
# Runs tools/idlc at build time over the given IDL files (all parsed together, so
# one file may use types of another) and builds the generated C into a static
# library. Generated files live only in the build tree, under gen/idl/.
# Owned by tools/idlc; see docs/idlc.md.
function(istmd_idl_library)
  cmake_parse_arguments(ARG "" "TARGET" "IDLS" ${ARGN})
  message(FATAL_ERROR "istmd_idl_library: tools/idlc is not written yet")
endfunction()
