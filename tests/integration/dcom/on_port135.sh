#!/usr/bin/env bash
# Runs "$@" (with_istmd.sh and its arguments, the address fourth) with the
# endpoint mapper on port 135, as in production: the resolver's bindings
# then carry no port (docs/dcom.md "Ports and interfaces") and clients must
# still find the object exporter. Skipped (77) when port 135 cannot be
# bound on that address (not root, or something listens on it).
set -uo pipefail
addr=$4
if ! timeout 5 /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 135))
' "$addr" 2>/dev/null; then
  echo "skipped: cannot listen on $addr port 135 (needs root or CAP_NET_BIND_SERVICE)"
  exit 77
fi
export ISTMD_EPM_PORT=135
exec "$@"
