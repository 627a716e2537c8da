#!/usr/bin/env bash
# Samba's client library against istmd: NTLMSSP and SPNEGO, signing and
# sealing (Samba verifies our signatures), a wrong password refused, then a
# good client again. Run by with_istmd.sh; argument: the samba_client program.
set -euo pipefail
client=$1
run() { timeout 60 "$client" "$ISTMD_ADDR" "$ISTMD_EPM_PORT" "$@"; }
run sign,ntlm "$ISTMD_ADMIN" "$ISTMD_ADMIN_PASSWORD"
run seal,ntlm "$ISTMD_USER" "$ISTMD_USER_PASSWORD"
run sign,spnego "$ISTMD_ADMIN" "$ISTMD_ADMIN_PASSWORD"
run seal,spnego "$ISTMD_ADMIN" "$ISTMD_ADMIN_PASSWORD"
run seal,ntlm "$ISTMD_ADMIN" wrong-password expect-failure
run seal,ntlm "$ISTMD_ADMIN" "$ISTMD_ADMIN_PASSWORD"
