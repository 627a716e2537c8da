#!/usr/bin/env bash
# The istmctl session of the corpus (make_capture.sh with
# REPLAY_SCENARIO=istmctl): info, a target, a disk mapped to it, CHAP,
# the listings. Run by with_istmd.sh (ISTMD_* variables). ISTMCTL: the binary.
# REPLAY_AUTH=spnego: istmctl --auth spnego (NTLM inside SPNEGO).
set -euo pipefail
istmctl=$1
pw=$(mktemp /tmp/replay-ctl.XXXXXX)
trap 'rm -f "$pw" "$pw.chap"' EXIT
printf '%s\n' "$ISTMD_ADMIN_PASSWORD" > "$pw"
printf '%s\n' "Ctl-Chap-Secret-42" > "$pw.chap"
c() { timeout 60 "$istmctl" --server "$ISTMD_ADDR:$ISTMD_EPM_PORT" --user "$ISTMD_ADMIN" \
        --password-file "$pw" ${REPLAY_AUTH:+--auth "$REPLAY_AUTH"} "$@"; }
c info
c target create ctl1 --description "made by istmctl"
c disk create 'D:\ctl1.vhd' --size 8MB --description "istmctl disk"
c map ctl1 'D:\ctl1.vhd'
c allow ctl1 iqn.1991-05.com.contoso:ctl-initiator
c chap ctl1 --user ctluser --secret-file "$pw.chap"
c target show ctl1
c target list
c disk list
echo "ok - istmctl scenario done"
