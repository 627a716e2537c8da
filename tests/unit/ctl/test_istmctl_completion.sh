#!/usr/bin/env bash
# istmctl's bash completion (src/ctl/completion/istmctl.bash), sourced in a
# bash with the real binary as the command word: commands, actions, each
# action's options, option values.
set -uo pipefail
script=$1
istmctl=$2
fail() { echo "not ok - $*"; exit 1; }
# shellcheck disable=SC1090
source "$script" || fail "cannot source $script"
complete -p istmctl >/dev/null || fail "no completion registered for istmctl"

# complete WORDS...: the last word is the one being completed
complete_words() {
	COMP_WORDS=("$istmctl" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_istmctl
	echo "${COMPREPLY[*]}"
}

expect() {
	local want=$1; shift
	local got
	got=$(complete_words "$@")
	[ "$got" = "$want" ] || fail "istmctl $* <TAB>: '$got', expected '$want'"
	echo "ok - istmctl $* <TAB>: $got"
}

expect "target" ta
expect "disk" -s 127.0.0.1 -u alice di
expect "create" target cr
expect "show set" target s
expect "--description --disabled" target create db --d
expect "--delete-file" disk delete 1 --del
expect "--disable" disk set 1 --dis
expect "on off" target set db --idle-timeout-detection ""
expect "ntlm spnego" --auth ""
expect "integrity" --level i
expect "--json" map db 1 --j
expect "--lun" map db 1 --l
expect "add" user a
expect "--admin" user add --ad
expect "disk" help dis
expect "--config" --conf
expect "session" ses
expect "list" session li
expect "--json" session show 3 --j
