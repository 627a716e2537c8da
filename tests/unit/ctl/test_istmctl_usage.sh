#!/usr/bin/env bash
# istmctl's command lines that must fail with exit status 2 (usage) before
# anything is sent: the server given is a closed loopback port, so a command
# that went as far as connecting would exit 9 instead.
set -uo pipefail
istmctl=$1
fail() { echo "not ok - $*"; exit 1; }
g=(--server 127.0.0.1:1 --user nobody --timeout 2)

usage() {
  local out
  out=$(echo password | timeout 10 "$istmctl" "$@" 2>&1)
  local rc=$?
  [ $rc = 2 ] || fail "istmctl $*: exit $rc, expected 2: $out"
  echo "ok - istmctl $*: usage error"
}

usage target
usage "${g[@]}" target frobnicate
usage "${g[@]}" target create
usage "${g[@]}" target create a b
usage "${g[@]}" target create a --iqn
usage "${g[@]}" target show
usage "${g[@]}" target list extra
usage "${g[@]}" disk create
usage "${g[@]}" disk create /srv/a.vhd --size 12Q
usage "${g[@]}" disk create /srv/a.vhd --size 0
usage "${g[@]}" disk create /srv/a.vhd --sparse
usage "${g[@]}" disk delete
usage "${g[@]}" map db
usage "${g[@]}" map db 1 --lun x
usage "${g[@]}" unmap db 1 --lun 2
usage "${g[@]}" allow db
usage "${g[@]}" allow db foo:bar
usage "${g[@]}" deny db ''
usage "${g[@]}" chap db
usage "${g[@]}" chap db --user u --off
usage "${g[@]}" chap db --off --secret-file /dev/null
# a secret is never taken from the command line
usage "${g[@]}" chap db --user u --secret s3cret-on-argv
usage target list            # no --server, --user
usage --json --user x target list
usage "${g[@]}" info extra

# The same commands well formed get as far as connecting: exit 9.
out=$(echo password | timeout 10 "$istmctl" "${g[@]}" target list 2>&1)
[ $? = 9 ] || fail "target list against a closed port: $out"
echo "ok - a well-formed command tries to connect (exit 9): $out"
out=$(echo password | timeout 10 "$istmctl" "${g[@]}" allow db iqn.2000-01.com.x:y 10.0.0.0/8 2>&1)
[ $? = 9 ] || fail "allow against a closed port: $out"
echo "ok - allow with good identifiers tries to connect"
