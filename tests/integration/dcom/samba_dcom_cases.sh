#!/usr/bin/env bash
# samba_dcom (Samba's client library) against the istmd with_istmd.sh
# started: NTLMSSP with sealing, SPNEGO with signing. Argument: the program.
set -euo pipefail
client=$1
timeout 60 "$client" "$ISTMD_ADDR" "$ISTMD_EPM_PORT" seal,ntlm "$ISTMD_ADMIN" "$ISTMD_ADMIN_PASSWORD" dcom-test
timeout 60 "$client" "$ISTMD_ADDR" "$ISTMD_EPM_PORT" sign,spnego "$ISTMD_ADMIN" "$ISTMD_ADMIN_PASSWORD" dcom-test
