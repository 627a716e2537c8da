#!/usr/bin/env bash
# istmctl info against the daemon with_istmd.sh started: Name and Guid (the
# one persisted in [state] dir) for an admin, NTLM or SPNEGO, integrity or
# privacy, the password from stdin or a file; refusals for a user who is not
# an admin, a wrong password, a closed port and bad options.
set -uo pipefail
istmctl=$1
server="$ISTMD_ADDR:$ISTMD_EPM_PORT"
# The service GUID as the core persisted it (read-only: the daemon owns the file).
guid=$(sqlite3 -readonly "$ISTMD_DIR/state/istmd.db" "SELECT value FROM meta WHERE key = 'service_guid'" | tr 'A-F' 'a-f')
fail() { echo "not ok - $*"; exit 1; }

out=$(printf '%s\n' "$ISTMD_ADMIN_PASSWORD" | "$istmctl" --server "$server" --user "$ISTMD_ADMIN" info) ||
  fail "istmctl info as an admin: $out"
[ "$out" = "$(printf 'Name: dcom-test\nGuid: %s' "$guid")" ] || fail "istmctl info printed: $out"
echo "ok - istmctl info: $(echo "$out" | tr '\n' ' ')"

printf '%s\n' "$ISTMD_ADMIN_PASSWORD" > "$ISTMD_DIR/password"
out=$("$istmctl" -s "$server" -u "$ISTMD_ADMIN" -p "$ISTMD_DIR/password" --auth spnego \
  --level integrity info </dev/null) || fail "SPNEGO at integrity, password file: $out"
echo "$out" | grep -q "^Guid: $guid\$" || fail "SPNEGO at integrity printed: $out"
echo "ok - istmctl info with SPNEGO at integrity, password from a file"

# Exit codes: docs/istmctl.md "Exit status" (6 access denied, 9 cannot connect or log in).
err=$(printf '%s\n' "$ISTMD_USER_PASSWORD" | "$istmctl" -s "$server" -u "$ISTMD_USER" info 2>&1)
[ $? = 6 ] || fail "a user who is not an admin: exit status"
echo "$err" | grep -q E_ACCESSDENIED || fail "a user who is not an admin: $err"
echo "ok - refused for a user who is not an admin: $err"

err=$(echo wrong | "$istmctl" -s "$server" -u "$ISTMD_ADMIN" info 2>&1)
[ $? = 9 ] || fail "a wrong password: exit status"
echo "$err" | grep -q "access denied" || fail "a wrong password: $err"
echo "ok - refused with a wrong password: $err"

err=$(echo x | "$istmctl" -s "$ISTMD_ADDR:1" -u "$ISTMD_ADMIN" --timeout 5 info 2>&1)
[ $? = 9 ] || fail "a closed port: exit status"
echo "$err" | grep -q "Connection refused" || fail "a closed port: $err"
echo "ok - a closed port: $err"

"$istmctl" -s "$server" info </dev/null >/dev/null 2>&1; [ $? = 2 ] || fail "no --user: not a usage error"
"$istmctl" -s "$server" -u x --level low info </dev/null >/dev/null 2>&1; [ $? = 2 ] || fail "bad --level"
"$istmctl" -s "[::1" -u x info </dev/null >/dev/null 2>&1; [ $? = 2 ] || fail "bad --server"
echo "ok - usage errors"
