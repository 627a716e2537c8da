#!/usr/bin/env bash
# Every capture of the corpus decodes (--dry-run) with its rules file, and
# the call list names the methods the scenario made.
set -uo pipefail
replay=$1 dir=$2
fail=0
for cap in "$dir"/*.pcapng; do
  rules=${cap%.pcapng}.rules
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
out=$(timeout 30 "$replay" --dry-run "$dir/hosts_disks_privacy.pcapng" 2>&1)
if [ $? = 2 ] && grep -q "sealed (privacy): give the account's --password" <<<"$out"; then
  echo "ok - a sealed capture without a password is refused"
else
  echo "not ok - sealed capture without a password: $out"; fail=1
fi
out=$(timeout 30 "$replay" --dry-run --password wrong "$dir/hosts_disks_privacy.pcapng" 2>&1)
if [ $? = 2 ] && grep -q "is not the one of account" <<<"$out"; then
  echo "ok - a wrong password is named"
else
  echo "not ok - wrong password: $out"; fail=1
fi
exit $fail
