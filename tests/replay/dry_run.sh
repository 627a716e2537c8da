#!/usr/bin/env bash
# Every capture of the corpus decodes (--dry-run) with its rules file, and
# the call list names the methods the scenario made.
set -uo pipefail
replay=$1 dir=$2
fail=0
for cap in "$dir"/*.pcapng "$dir"/*.pcap; do
  rules=${cap%.*}.rules
  out=$(timeout 30 "$replay" --dry-run --rules "$rules" "$cap" 2>&1)
  rc=$?
  for want in IRemoteSCMActivator_RemoteCreateInstance IHostMgr_NewHost IHost_AddID \
              IWTDiskMgr_CreateWTDisk IEnumHost_Next; do
    if [ $rc != 0 ] || ! grep -q "$want" <<<"$out"; then
      echo "not ok - $(basename "$cap"): $want missing (exit $rc)"; echo "$out" | tail -5; fail=1
      continue 2
    fi
  done
  echo "ok - $(basename "$cap") decodes ($(grep -c ' conn ' <<<"$out") calls)"
done
# without the password, a sealed capture is refused with a clear error
out=$(timeout 30 "$replay" --dry-run "$dir/hosts_disks_privacy.pcap" 2>&1)
if [ $? = 2 ] && grep -q "sealed (privacy): give the account's --password" <<<"$out"; then
  echo "ok - a sealed capture without a password is refused"
else
  echo "not ok - sealed capture without a password: $out"; fail=1
fi
out=$(timeout 30 "$replay" --dry-run --password wrong "$dir/hosts_disks_privacy.pcap" 2>&1)
if [ $? = 2 ] && grep -q "is not the one of account" <<<"$out"; then
  echo "ok - a wrong password is named"
else
  echo "not ok - wrong password: $out"; fail=1
fi
# --server keeps one server's conversations
out=$(timeout 30 "$replay" --dry-run --password Secret-alice-1 --server 127.0.18.2 "$dir/hosts_disks_integrity.pcapng" 2>&1)
out2=$(timeout 30 "$replay" --dry-run --password Secret-alice-1 --server 127.0.18.99 "$dir/hosts_disks_integrity.pcapng" 2>&1); rc2=$?
if grep -q "IHostMgr_NewHost" <<<"$out" && [ $rc2 = 2 ] && grep -q "no DCE/RPC call" <<<"$out2"; then
  echo "ok - --server selects the conversations of one server"
else
  echo "not ok - --server: $out2"; fail=1
fi
# truncated or corrupt recordings are refused with a reason (exit 2), never a crash
tmp=$(mktemp -d /tmp/replay-corrupt.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cap="$dir/hosts_disks_integrity.pcapng"
size=$(stat -c %s "$cap")
refused() { # NAME FILE PATTERN
  out=$(timeout 30 "$replay" --dry-run --password Secret-alice-1 "$2" 2>&1); rc=$?
  if [ $rc = 2 ] && grep -q "$3" <<<"$out"; then
    echo "ok - $1 refused: $(tail -1 <<<"$out")"
  else
    echo "not ok - $1: exit $rc: $out" | tail -3; fail=1
  fi
}
head -c $((size / 2)) "$cap" > "$tmp/half.pcapng"
refused "a capture cut in the middle" "$tmp/half.pcapng" "capture truncated"
head -c 40 "$cap" > "$tmp/head.pcapng"
refused "a capture cut in its header" "$tmp/head.pcapng" "truncated\\|cut off"
printf 'hello, not a capture\n' > "$tmp/text"
refused "a text file" "$tmp/text" "not a pcap or pcapng file"
: > "$tmp/empty"
refused "an empty file" "$tmp/empty" "not a pcap or pcapng file"
# a packet lost in the middle of a connection: drop one data packet (pcap)
/usr/bin/python3 - "$cap" "$tmp/lost.pcapng" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off, dropped, n = bytearray(), 0, False, 0
while off < len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    block = data[off:off + blen]
    if btype == 6 and not dropped:
        caplen = struct.unpack_from("<I", block, 20)[0]
        n += 1
        # the 30th packet carrying more than headers: lose it
        if caplen > 200 and n > 30:
            dropped = True
            off += blen
            continue
    out += block
    off += blen
open(sys.argv[2], "wb").write(out)
PY
refused "a capture that lost a packet" "$tmp/lost.pcapng" "lost packets\\|ends inside\\|does not verify"
# a capture started after the client connected: the 20 packets after the
# start-up probes (packets 45-64: the first connection's SYN, bind, NTLM) missing
/usr/bin/python3 - "$cap" "$tmp/late.pcapng" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
out, off, n = bytearray(), 0, 0
while off < len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    block = data[off:off + blen]
    off += blen
    if btype == 6:
        n += 1
        if 45 <= n <= 64:
            continue
    out += block
open(sys.argv[2], "wb").write(out)
PY
refused "a capture started late" "$tmp/late.pcapng" "is not in the capture: start capturing before"
# flipped bytes inside a sealed PDU: the signature no longer verifies
/usr/bin/python3 - "$dir/hosts_disks_privacy.pcap" "$tmp/flipped.pcapng" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
i = len(data) * 2 // 3
data[i] ^= 0x55
data[i + 1] ^= 0x55
open(sys.argv[2], "wb").write(data)
PY
out=$(timeout 30 "$replay" --dry-run --password Secret-alice-1 "$tmp/flipped.pcapng" 2>&1); rc=$?
if [ $rc = 2 ] || [ $rc = 0 ]; then
  echo "ok - flipped bytes: exit $rc, no crash ($(tail -1 <<<"$out"))"
else
  echo "not ok - flipped bytes: exit $rc"; fail=1
fi
exit $fail
