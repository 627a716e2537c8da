#!/usr/bin/env bash
# Sets up and runs every test: installs the Debian packages, builds istmd twice
# (normal with -Werror, and with ASan+UBSan) and runs the ctest suite in both,
# then builds the libFuzzer targets with clang (build-fuzz) and runs each for
# ISTMD_FUZZ_SECONDS (default 25) from its seed corpus (tests/fuzz/README.md).
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

# The fuzz targets need clang with libFuzzer (clang-14, libfuzzer-14-dev).
fuzz_compiler() {
  local cc probe
  cc=$(command -v clang-14 || command -v clang || true)
  [ -n "$cc" ] || return 1
  probe=$(mktemp -d)
  echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { return 0; }' \
    >"$probe/probe.c"
  if "$cc" -fsanitize=fuzzer,address,undefined "$probe/probe.c" -o "$probe/probe" 2>/dev/null; then
    echo "$cc"
  fi
  rm -rf "$probe"
}
cc=$(fuzz_compiler || true)
if [ -z "$cc" ]; then
  echo "=== fuzz: skipped (no clang that links -fsanitize=fuzzer: install clang-14 and libfuzzer-14-dev)"
else
  echo "=== configure build-fuzz ($cc)"
  CC=$cc cmake -S "$top" -B "$top/build-fuzz" -DISTMD_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
    -DISTMD_TESTS=OFF -DISTMD_FUZZ=ON -DISTMD_FUZZ_SECONDS="${ISTMD_FUZZ_SECONDS:-25}"
  echo "=== build build-fuzz"
  cmake --build "$top/build-fuzz" -j"$jobs" --target fuzz_targets
  echo "=== fuzz build-fuzz (each target ${ISTMD_FUZZ_SECONDS:-25} s)"
  status=0
  (cd "$top/build-fuzz" && ctest --output-on-failure --timeout 600 -j"$jobs" -L fuzz) || status=$?
  cat "$top"/build-fuzz/fuzz/*.summary 2>/dev/null || true
  [ $status = 0 ] || exit $status
fi
echo "=== all test suites passed (normal and sanitizer builds, fuzz targets)"
