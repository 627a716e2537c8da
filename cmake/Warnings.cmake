# Warnings and sanitizers apply to everything we compile, generated code included.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral)
if(ISTMD_WERROR)
  add_compile_options(-Werror)
endif()
# Samba's headers need GNU extensions (struct timeval, PATH_MAX, ...).
add_compile_definitions(_GNU_SOURCE=1)

if(ISTMD_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "ISTMD_FUZZ needs clang (libFuzzer): configure with CC=clang")
  endif()
  # fuzzer-no-link: coverage for libFuzzer everywhere; only the fuzz targets
  # link its main (tests/fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
    -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(ISTMD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
