#!/usr/bin/env bash
# Records one corpus capture: a fresh istmd (with_istmd.sh) on ADDRESS,
# dumpcap on the loopback interface filtered to that address, and
# scenario.py at LEVEL (5 integrity, 6 privacy). Maintainers run it to
# (re)make tests/replay/*.pcapng (docs/replay.md "Adding a capture"):
#
#   make_capture.sh BUILD_DIR ADDRESS LEVEL NAME OUT.pcapng|OUT.pcap
#
# OUT.pcap: the classic pcap format (dumpcap -P), what tcpdump writes.
#
# REPLAY_FRAGMENT=1 in the environment: impacket fragments its requests
# (128-byte fragments) and istmd's PDUs are at most 1432 bytes. The daemon
# is named "replay" ([general] name), as the corpus tests name theirs.
# REPLAY_SCENARIO=istmctl: scenario_istmctl.sh (istmctl's commands; LEVEL is
# then ignored: istmctl seals) instead of scenario.py.
set -euo pipefail
build=$1 addr=$2 level=$3 name=$4 out=$5
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
command -v dumpcap >/dev/null || { echo "make_capture: dumpcap is not installed" >&2; exit 77; }
tmp=$(mktemp -d /tmp/replay-cap.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
format=()
case $out in *.pcap) format=(-P) ;; esac
timeout 120 dumpcap "${format[@]}" -q -i lo -f "host $addr and tcp" -s 0 -w "$tmp/cap.pcapng" 2>"$tmp/dumpcap.log" &
dpid=$!
sleep 1.5
status=0
timeout 150 "$src/tests/integration/rpc/with_istmd.sh" "$build/src/daemon/istmd" "$build/src/ctl/istmctl" \
  "$addr" --conf-line "max_pdu_size = 1432" --conf-line "[general]" --conf-line "name = replay" \
  -- bash -c 'if [ "${REPLAY_SCENARIO:-}" = istmctl ]; then exec "$0/scenario_istmctl.sh" "$1"; fi
              exec timeout 120 /usr/bin/python3 "$0/scenario.py" "$2" "$3"' \
     "$here" "$build/src/ctl/istmctl" "$level" "$name" || status=$?
sleep 1
kill -INT "$dpid" 2>/dev/null || true
wait "$dpid" 2>/dev/null || true
[ $status = 0 ] || { echo "make_capture: the scenario failed ($status)" >&2; exit $status; }
cp "$tmp/cap.pcapng" "$out"
echo "make_capture: $out ($(stat -c %s "$out") bytes)"
