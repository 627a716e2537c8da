# Every dependency is a Debian package (scripts/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_program(PYTHON3 NAMES python3 REQUIRED)

pkg_check_modules(TALLOC REQUIRED IMPORTED_TARGET talloc)
pkg_check_modules(TEVENT REQUIRED IMPORTED_TARGET tevent)
# Samba's NDR core (ndr.h, -lndr) and the DCE/RPC PDU marshallers
# (gen_ndr/ndr_dcerpc.h, -ldcerpc-binding) from samba-dev.
pkg_check_modules(NDR REQUIRED IMPORTED_TARGET ndr)
pkg_check_modules(GNUTLS REQUIRED IMPORTED_TARGET gnutls)
pkg_check_modules(NETTLE REQUIRED IMPORTED_TARGET nettle)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
# libblkid: file system UUIDs, from which storage roots get stable volume GUIDs.
pkg_check_modules(BLKID REQUIRED IMPORTED_TARGET blkid)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBISCSI REQUIRED IMPORTED_TARGET libiscsi)
# jansson: istmctl's --json output (and its tests read it back).
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)

# libdcerpc-binding has no .pc file of its own; it sits beside libndr.
# We deliberately do not take ndr.pc's -DHAVE_IMMEDIATE_STRUCTURES: without it
# Samba's HRESULT/NTSTATUS/WERROR are plain uint32_t (same ABI, a one-word struct
# is returned and passed in a register on x86-64 and aarch64), which keeps the
# generated stubs and the ISTM code simple.
find_library(DCERPC_BINDING_LIB NAMES dcerpc-binding REQUIRED)
find_library(SAMBA_UTIL_LIB NAMES samba-util REQUIRED)
add_library(istmd_samba INTERFACE)
target_include_directories(istmd_samba SYSTEM INTERFACE ${NDR_INCLUDE_DIRS})
target_link_libraries(istmd_samba INTERFACE ${NDR_LINK_LIBRARIES} ${DCERPC_BINDING_LIB}
  ${SAMBA_UTIL_LIB} PkgConfig::TALLOC)

# libisns-dev ships no .pc file.
find_path(LIBISNS_INCLUDE_DIR NAMES libisns/isns.h REQUIRED)
find_library(LIBISNS_LIB NAMES isns REQUIRED)

if(ISTMD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  # Samba's client library: an independent DCE/RPC peer for integration tests.
  pkg_check_modules(SAMBA_DCERPC IMPORTED_TARGET dcerpc samba-credentials samba-hostconfig)
endif()
