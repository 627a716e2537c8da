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
  # snapshots (issue 13): XFS/btrfs images above; filefrag (FIEMAP) and mount
  e2fsprogs
  util-linux
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

# issue 12 (vhd): istmd-vhdfs serves dynamic and differencing VHDs through FUSE.
BUILD_PKGS+=(libfuse3-dev)
RUN_PKGS+=(fuse3)

if [ $runtime_only = 1 ]; then
  TEST_PKGS=()
fi

# ---- iSNS (docs/isns.md): isnsd and isnsadm for tests/integration/e2e/e2e_isns.py.
# open-isns-server's postinst runs `isnsd --init`, which fails where the host
# name does not resolve, and starts a system isnsd on port 3205 (the tests
# start their own): make the name resolve (127.0.1.1, Debian's convention)
# and keep invoke-rc.d from starting it during the installation.
if [ $runtime_only = 0 ]; then
  TEST_PKGS+=(open-isns-server open-isns-utils)
fi
isns_hostname_resolves() {
  local h
  h=$(hostname 2>/dev/null || true)
  if [ -n "$h" ] && ! getent hosts "$h" >/dev/null 2>&1; then
    if printf '127.0.1.1\t%s\n' "$h" >>/etc/hosts 2>/dev/null; then
      echo "install-deps: added '$h' to /etc/hosts (isnsd --init resolves it)" >&2
    else
      echo "install-deps: '$h' does not resolve and /etc/hosts is read-only" >&2
    fi
  fi
}
isns_policy_rc_d=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\n# install-deps.sh: the system isnsd does not start\n[ "$1" = isnsd ] && exit 101\nexit 0\n' \
    >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && isns_policy_rc_d=1
fi
trap 'if [ $isns_policy_rc_d = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
isns_hostname_resolves
# ---- end iSNS

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update
if ! apt-get install -y --no-install-recommends "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" ${TEST_PKGS[@]+"${TEST_PKGS[@]}"}; then
  # iSNS: a postinst that failed (isnsd --init) gets a second chance once the
  # host name resolves; anything else fails here again.
  isns_hostname_resolves
  dpkg --configure -a
  apt-get install -y --no-install-recommends "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" ${TEST_PKGS[@]+"${TEST_PKGS[@]}"}
fi
if [ $runtime_only = 0 ] && ! apt-get install -y --no-install-recommends "${FUZZ_PKGS[@]}"; then
  echo "install-deps: ${FUZZ_PKGS[*]} did not install: the fuzz targets will be skipped" >&2
fi
