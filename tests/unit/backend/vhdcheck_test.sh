#!/usr/bin/env bash
# vhdcheck accepts an image qemu-img made and refuses garbage (exit 1).
set -euo pipefail
vhdcheck=$1
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
qemu-img create -q -f vpc -o subformat=dynamic "$d/a.vhd" 8M
"$vhdcheck" --json "$d/a.vhd" | grep -q '"valid": true, "type": "dynamic"'
head -c 4096 /dev/urandom >"$d/b.vhd"
rc=0
"$vhdcheck" "$d/b.vhd" >"$d/out" || rc=$?
[ "$rc" = 1 ] && grep -q 'invalid (EBADMSG)' "$d/out"
rc=0
"$vhdcheck" "$d/missing.vhd" 2>/dev/null || rc=$?
[ "$rc" = 2 ]
echo "vhdcheck: 3 passed, 0 failed"
