#!/usr/bin/env bash
# Sets up and runs every test: installs the Debian packages, builds istmd twice
# (normal with -Werror, and with ASan+UBSan) and runs the ctest suite in both.
# Run as root from anywhere: integration tests start tgtd, use loop devices and
# bind loopback addresses.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc)

"$top/scripts/install-deps.sh"

run_suite() {
  local dir=$1
  shift
  echo "=== configure $dir: $*"
  cmake -S "$top" -B "$top/$dir" -DISTMD_WERROR=ON -DISTMD_TESTS=ON "$@"
  echo "=== build $dir"
  cmake --build "$top/$dir" -j"$jobs"
  echo "=== test $dir"
  (cd "$top/$dir" && ctest --output-on-failure --timeout 600 -j"$jobs")
}

run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DISTMD_SANITIZE=ON
echo "=== all test suites passed (normal and sanitizer builds)"
