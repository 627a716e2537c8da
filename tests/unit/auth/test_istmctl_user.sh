#!/usr/bin/env bash
# istmctl user add|del|list: exit codes, messages, the password read as one
# line from standard input, file mode 0600. Usage: test_istmctl_user.sh ISTMCTL
set -euo pipefail
ctl=$1
dir=$(mktemp -d /tmp/istmd-ctl-XXXXXX)
trap 'rm -rf "$dir"' EXIT
users=$dir/sub/users
mkdir "$dir/sub"
fail() { echo "FAIL: $*" >&2; exit 1; }

expect() { # expect STATUS CMD... ; runs CMD, checks its exit status
  local want=$1; shift
  set +e; "$@" >"$dir/out" 2>"$dir/err"; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$dir/out" "$dir/err" >&2; fail "'$*' exited $got, expected $want"; }
}

printf 'S3cret pass\n' | expect 0 "$ctl" user add --users-file "$users" --admin alice
[ "$(stat -c %a "$users")" = 600 ] || fail "mode is $(stat -c %a "$users")"
# the NT hash of "S3cret pass" (the newline is not part of it), and no password
grep -q '^alice:admin:' "$users" || fail "alice not stored"
grep -q 'S3cret' "$users" && fail "password stored in clear"
printf 'pw\r\nsecond line ignored\n' | expect 0 "$ctl" user add --users-file="$users" bob
printf 'x\n' | expect 3 "$ctl" user add --users-file "$users" ALICE
grep -q "already exists" "$dir/err" || fail "no clear message for a duplicate"
printf '\n' | expect 1 "$ctl" user add --users-file "$users" carol
expect 1 "$ctl" user add --users-file "$users" carol </dev/null
printf 'x\n' | expect 2 "$ctl" user add --users-file "$users" 'bad name'
printf 'x\n' | expect 2 "$ctl" user add --users-file "$users"
printf 'x\n' | expect 2 "$ctl" user add alice
printf 'x\n' | expect 2 "$ctl" user add --users-file "$users" a b
expect 2 "$ctl" user del --users-file "$users" --admin bob
expect 2 "$ctl" user frobnicate --users-file "$users"
expect 2 "$ctl" user

expect 0 "$ctl" user list --users-file "$users"
[ "$(cat "$dir/out")" = "$(printf 'alice\tadmin\nbob\tuser')" ] || fail "list: $(cat "$dir/out")"
expect 4 "$ctl" user del --users-file "$users" carol
grep -q "no user 'carol'" "$dir/err" || fail "no clear message for a missing user"
expect 0 "$ctl" user del --users-file "$users" BOB
expect 0 "$ctl" user list --users-file "$users"
[ "$(cat "$dir/out")" = "$(printf 'alice\tadmin')" ] || fail "list after del: $(cat "$dir/out")"
[ "$(stat -c %a "$users")" = 600 ] || fail "mode after del is $(stat -c %a "$users")"
[ "$(ls -A "$dir/sub")" = users ] || fail "leftover files: $(ls -A "$dir/sub")"
expect 0 "$ctl" user list --users-file "$dir/none"
expect 1 "$ctl" user add --users-file "$dir/missing-dir/users" dave <<<"pw"
expect 0 "$ctl" user --help
echo "1 passed, 0 failed"
