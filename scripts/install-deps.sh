#!/usr/bin/env bash
# Installs every Debian 12 package that building, running and testing istmd needs.
# Run as root. Set ISTMD_SKIP_DEPS=1 to skip (e.g. on a machine already set up).
#
#   install-deps.sh            everything: build, run and test (scripts/test.sh)
#   install-deps.sh --runtime  only what building and running the daemon needs
#                              (scripts/quickstart.sh): no test peers
set -euo pipefail

runtime_only=0
case "${1:-}" in
  --runtime) runtime_only=1 ;;
  "") ;;
  *) echo "install-deps: unknown option '$1' (use --runtime or nothing)" >&2; exit 2 ;;
esac

if [ "${ISTMD_SKIP_DEPS:-0}" = 1 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-deps: run as root (apt-get install)" >&2
  exit 1
fi

BUILD_PKGS=(
  build-essential
  cmake
  pkg-config
  python3
  samba-dev
  libtalloc-dev
  libtevent-dev
  libgnutls28-dev
  nettle-dev
  libtasn1-6-dev
  libsqlite3-dev
  libiscsi-dev
  libisns-dev
  libsystemd-dev
  libblkid-dev
  libjansson-dev
)
RUN_PKGS=(
  tgt
  util-linux
  sqlite3
)
# open-isns-server (isnsd) comes with the iSNS work: no test uses it yet, and its
# postinst runs `isnsd --init`, which fails where the host name does not resolve.
TEST_PKGS=(
  libcmocka-dev
  python3-impacket
  tshark
  qemu-utils
  libvhdi-utils
  libiscsi-bin
  xfsprogs
  btrfs-progs
  procps
  iproute2
  strace
  # tests/package: the Debian package build, man pages, unit checks
  debhelper
  groff-base
  man-db
  # tests/lio (issue 15): the LIO guest (TCG); its kernel and busybox-static are
  # fetched with apt-get download into the build tree, not installed
  qemu-system-x86
  python3-rtslib-fb
)
# The libFuzzer targets of tests/fuzz (scripts/test.sh runs them when these
# install; without them the fuzz step says "skipped").
FUZZ_PKGS=(
  clang-14
  libfuzzer-14-dev
)

if [ $runtime_only = 1 ]; then
  TEST_PKGS=()
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update
apt-get install -y --no-install-recommends "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" ${TEST_PKGS[@]+"${TEST_PKGS[@]}"}
if [ $runtime_only = 0 ] && ! apt-get install -y --no-install-recommends "${FUZZ_PKGS[@]}"; then
  echo "install-deps: ${FUZZ_PKGS[*]} did not install: the fuzz targets will be skipped" >&2
fi
