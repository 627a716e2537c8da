#!/usr/bin/env bash
# The man pages render without a warning (groff -ww) and man -l shows them.
# Usage: check_manpages.sh MAN_DIR
set -euo pipefail
dir=$1
command -v groff >/dev/null || { echo "SKIP: groff is not installed"; exit 77; }
fail=0
for page in istmd.8 istmctl.8 istmd.conf.5 istmd-replay.1; do
	f=$dir/$page
	[ -f "$f" ] || { echo "FAIL: $page missing"; fail=1; continue; }
	warnings=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
	if [ -n "$warnings" ]; then
		echo "FAIL: $page: $warnings"
		fail=1
	fi
	if command -v man >/dev/null; then
		out=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null) || { echo "FAIL: man -l $page"; fail=1; }
		[ -z "$out" ] || { echo "FAIL: man -l $page: $out"; fail=1; }
		MANWIDTH=80 man -l "$f" 2>/dev/null | grep -q "^NAME" || { echo "FAIL: $page has no NAME"; fail=1; }
	fi
done
[ $fail = 0 ] && echo "ok: istmd(8), istmctl(8), istmd.conf(5), istmd-replay(1) render cleanly"
exit $fail
