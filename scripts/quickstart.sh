#!/usr/bin/env bash
# Sets up and runs istmd on an embedded default configuration.
# For now (foundation stage) it installs the dependencies, builds, and prints the
# version; later stages start tgtd and the daemon here.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/install-deps.sh"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$top/build" -j"$(nproc)"
"$top/build/src/daemon/istmd" --version
"$top/build/src/ctl/istmctl" --version
