#!/usr/bin/env bash
# istmctl's command lines that must fail with exit status 2 (usage) before
# anything is sent: the server given is a closed loopback port, so a command
# that went as far as connecting would exit 9 instead.
set -uo pipefail
istmctl=$1
fail() { echo "not ok - $*"; exit 1; }
g=(--server 127.0.0.1:1 --user nobody --timeout 2)
# No config file of the user running the tests.
export XDG_CONFIG_HOME=$(mktemp -d)
trap 'rm -rf "$XDG_CONFIG_HOME"' EXIT
unset ISTMCTL_PASSWORD_FILE

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

usage "${g[@]}" target set db                       # nothing to change
usage "${g[@]}" target set db --enable --disable
usage "${g[@]}" target set db --idle-timeout-detection maybe
usage "${g[@]}" target set db --max-burst-length 0
usage "${g[@]}" target enable
usage "${g[@]}" disk set 1
usage "${g[@]}" disk set 1 --enable --disable
usage "${g[@]}" disk create /srv/a.vhd --size 64MBX
usage "${g[@]}" disk create /srv/a.vhd --size 64Mi
usage help nosuch
usage --config /nonexistent/istmctl.conf "${g[@]}" info

# Exact option names, and no option value in any message (it may be a secret).
secret=S3cret-on-argv
for args in "--password $secret" "--password=$secret" "--pass $secret" "--serv=$secret" \
  "-x$secret" "--json=$secret"; do
  # shellcheck disable=SC2086
  out=$(timeout 10 "$istmctl" --server 127.0.0.1:1 --user nobody $args info </dev/null 2>&1)
  rc=$?
  [ $rc = 2 ] || fail "istmctl $args: exit $rc, expected 2: $out"
  case $out in *"$secret"*) fail "istmctl $args printed the value: $out" ;; esac
  echo "ok - istmctl $args: refused, value not shown: $out"
done
out=$(timeout 10 "$istmctl" "${g[@]}" "$secret" info </dev/null 2>&1)
[ $? = 2 ] || fail "a stray word for a command"
case $out in *"$secret"*) fail "a stray word was printed: $out" ;; esac
echo "ok - a stray word is not printed: $out"
out=$(timeout 10 "$istmctl" "${g[@]}" chap db --user u --secret=$secret </dev/null 2>&1)
case $out in *"$secret"*) fail "chap --secret=: $out" ;; esac
echo "ok - chap --secret=VALUE: value not shown"

# The option named, with the bad value (values that are never secrets).
out=$(timeout 10 "$istmctl" --auth kerberos "${g[@]}" info </dev/null 2>&1)
[ $? = 2 ] && [[ $out == *"bad value 'kerberos' for --auth"* ]] || fail "--auth kerberos: $out"
echo "ok - $out"
out=$(timeout 10 "$istmctl" "${g[@]}" disk create /srv/a.vhd --size 12Q </dev/null 2>&1)
[[ $out == *"bad value '12Q' for --size"* ]] || fail "--size 12Q: $out"
echo "ok - --size 12Q names the option"

# --json: errors are one JSON document on stdout too.
out=$(timeout 10 "$istmctl" --json --auth kerberos "${g[@]}" info </dev/null 2>/dev/null)
[ $? = 2 ] || fail "--json usage error exit"
python3 -c 'import json,sys; e=json.loads(sys.argv[1])["error"]; assert e["name"]=="usage" and e["exit"]==2 and e["hresult"] is None and "kerberos" in e["message"], e' "$out" ||
  fail "--json error: $out"
echo "ok - --json usage error as JSON"
out=$(echo pw | timeout 10 "$istmctl" "${g[@]}" target list --json 2>/dev/null)
python3 -c 'import json,sys; e=json.loads(sys.argv[1])["error"]; assert e["name"]=="connect" and e["exit"]==9, e' "$out" ||
  fail "--json connect error: $out"
echo "ok - --json connection error as JSON"
out=$(timeout 10 "$istmctl" user list --users-file /nonexistent/dir/users --json 2>/dev/null)
python3 -c 'import json,sys; json.loads(sys.argv[1])' "$out" || fail "user --json: $out"
echo "ok - user list --json: $out"

# help, --help everywhere: exit 0, on stdout.
for args in "help" "--help" "help target" "target --help" "help target set" \
  "target set --help" "disk --help" "map --help" "user --help" "help user" "help help"; do
  # shellcheck disable=SC2086
  out=$(timeout 10 "$istmctl" $args </dev/null 2>/dev/null) || fail "istmctl $args: exit $?"
  [ -n "$out" ] || fail "istmctl $args printed nothing"
done
timeout 10 "$istmctl" help target | grep -q "target enable" || fail "help target lists enable"
echo "ok - help and --help"

# An unknown host says so.
out=$(echo pw | timeout 20 "$istmctl" -s nosuch.invalid -u x info 2>&1)
[ $? = 9 ] && [[ $out == *"cannot resolve host 'nosuch.invalid'"* ]] || fail "unknown host: $out"
echo "ok - $out"

# The config file gives server and user; a missing one is no error.
printf 'server = 127.0.0.1:1\nuser = nobody\ntimeout = 2\n' >"$XDG_CONFIG_HOME/istmctl.conf"
out=$(echo pw | timeout 10 "$istmctl" target list 2>&1)
[ $? = 9 ] || fail "server and user from the config file: $out"
echo "ok - server and user from the config file: $out"
rm "$XDG_CONFIG_HOME/istmctl.conf"

# The same commands well formed get as far as connecting: exit 9.
out=$(echo password | timeout 10 "$istmctl" "${g[@]}" target list 2>&1)
[ $? = 9 ] || fail "target list against a closed port: $out"
echo "ok - a well-formed command tries to connect (exit 9): $out"
out=$(echo password | timeout 10 "$istmctl" "${g[@]}" allow db iqn.2000-01.com.x:y 10.0.0.0/8 2>&1)
[ $? = 9 ] || fail "allow against a closed port: $out"
echo "ok - allow with good identifiers tries to connect"
for size in 64M 64MB 64MiB 1G 1T; do
  out=$(echo password | timeout 10 "$istmctl" "${g[@]}" disk create /srv/a.vhd --size $size 2>&1)
  [ $? = 9 ] || fail "--size $size: $out"
done
echo "ok - sizes 64M 64MB 64MiB 1G 1T are accepted"
