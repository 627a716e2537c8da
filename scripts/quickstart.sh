#!/usr/bin/env bash
# README's quick start, command 1: sets up and runs istmd on an embedded
# default configuration. Run as root on Debian 12.
#
#  1. installs the Debian packages the daemon needs (scripts/install-deps.sh
#     --runtime: no test peers) and builds istmd and istmctl (no tests);
#  2. starts a private tgtd (its own control port, a loopback portal; never
#     the system's tgt service) and istmd (state, users and virtual disks in
#     ./run/, DCOM on 127.0.0.2, endpoint mapper on port 135);
#  3. creates no target and no disk: only the admin account "admin", whose
#     password is ISTMD_ADMIN_PASSWORD or a random one, printed and kept in
#     run/admin-password (mode 0600);
#  4. prints how to connect and the first istmctl commands to try;
#  5. runs until Ctrl-C or SIGTERM, then stops istmd and tgtd by PID.
# Running it again reuses run/: targets, disks, password, and run/istmd.conf,
# which is written only when it does not exist (edit it: your changes stay).
#
# Environment (all optional): ISTMD_ADMIN_PASSWORD, ISTMD_RUN_DIR (run/),
# ISTMD_BUILD_DIR (build/), ISTMD_SKIP_BUILD=1 (use the binaries already in
# ISTMD_BUILD_DIR), ISTMD_SKIP_DEPS=1, and for the first run (they are written
# into run/istmd.conf): ISTMD_ADDR (127.0.0.2), ISTMD_EPM_PORT (135),
# ISTMD_OBJECT_PORT (5135), ISTMD_ISCSI_PORT (3260), ISTMD_TGT_CONTROL_PORT (1).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
run=${ISTMD_RUN_DIR:-$top/run}
build=${ISTMD_BUILD_DIR:-$top/build}
addr=${ISTMD_ADDR:-127.0.0.2}
epm_port=${ISTMD_EPM_PORT:-135}
object_port=${ISTMD_OBJECT_PORT:-5135}
iscsi_port=${ISTMD_ISCSI_PORT:-3260}
tgt_port=${ISTMD_TGT_CONTROL_PORT:-1}
admin=admin

say() { printf '%s\n' "$*"; }
die() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (tgtd, loop devices and port $epm_port need it)"

if [ "${ISTMD_SKIP_BUILD:-0}" != 1 ]; then
  "$top/scripts/install-deps.sh" --runtime
  cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DISTMD_TESTS=OFF
  cmake --build "$build" -j"$(nproc)" --target istmd istmctl
fi
istmd=$build/src/daemon/istmd
istmctl=$build/src/ctl/istmctl
[ -x "$istmd" ] && [ -x "$istmctl" ] || die "no istmd/istmctl in $build (build first)"
command -v tgtd >/dev/null && command -v tgtadm >/dev/null ||
  die "tgtd is not installed (Debian package tgt: scripts/install-deps.sh)"

mkdir -p "$run/storage" "$run/state"
chmod 700 "$run"
run=$(cd "$run" && pwd)

# ---- the admin account -------------------------------------------------------------------
password_file=$run/admin-password
if [ -n "${ISTMD_ADMIN_PASSWORD:-}" ]; then
  password=$ISTMD_ADMIN_PASSWORD
elif [ -s "$password_file" ]; then
  password=$(head -n 1 "$password_file")
else
  password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
fi
"$istmctl" user del --users-file "$run/users" "$admin" >/dev/null 2>&1 || true
printf '%s\n' "$password" | "$istmctl" user add --users-file "$run/users" --admin "$admin" >/dev/null
(umask 077 && printf '%s\n' "$password" > "$password_file")

# ---- the configuration (written once; later runs read it back) --------------------------
conf=$run/istmd.conf
if [ ! -e "$conf" ]; then
  conf_note="written now"
  cat > "$conf" <<EOF
; Written by scripts/quickstart.sh on its first run; it is yours to edit: later runs
; keep it and read the addresses and ports below back from it. Every key is
; documented in conf/istmd.conf.
[log]
level = info
[rpc]
listen = $addr
endpoint_mapper_port = $epm_port
; fixed, so that a firewall can let a Windows console through (docs/windows-console.md)
object_port = $object_port
[auth]
users_file = $run/users
[state]
dir = $run/state
[storage]
roots = $run/storage
[iscsi]
backend = tgt
tgt_control_port = $tgt_port
portal = $addr:$iscsi_port
EOF
else
  conf_note="kept from an earlier run; ISTMD_ADDR and the port settings apply to a new run/ only"
fi

# Value of KEY in [SECTION] of the configuration ("" when absent).
conf_get() {
  awk -v want_s="$1" -v want_k="$2" '
    /^[[:space:]]*[;#]/ { next }
    /^[[:space:]]*\[/ { gsub(/[][[:space:]]/, ""); section = $0; next }
    section == want_s && index($0, "=") {
      key = substr($0, 1, index($0, "=") - 1); gsub(/[[:space:]]/, "", key)
      if (key != want_k) next
      v = substr($0, index($0, "=") + 1); sub(/[[:space:]]*;.*$/, "", v)
      gsub(/^[[:space:]]+|[[:space:]]+$/, "", v); print v; exit
    }' "$conf"
}
addr=$(conf_get rpc listen); addr=${addr%%,*}
epm_port=$(conf_get rpc endpoint_mapper_port); epm_port=${epm_port:-135}
object_port=$(conf_get rpc object_port); object_port=${object_port:-0}
portal=$(conf_get iscsi portal)
tgt_port=$(conf_get iscsi tgt_control_port)
[ -n "$addr" ] && [ -n "$portal" ] && [ -n "$tgt_port" ] ||
  die "$conf needs [rpc] listen, [iscsi] portal and [iscsi] tgt_control_port"

# ---- tgtd and istmd ---------------------------------------------------------------------
tgt_pid= istmd_pid=
tgt_alive() { [ -n "$tgt_pid" ] && kill -0 "$tgt_pid" 2>/dev/null; }
istmd_alive() { [ -n "$istmd_pid" ] && kill -0 "$istmd_pid" 2>/dev/null; }

# Waits up to $2 tenths of a second for PID $1 to end.
wait_gone() {
  for _ in $(seq "$2"); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

# Loop devices istmd attached to files under run/storage (it keeps them
# across its own restarts; nobody needs them once both daemons are gone).
detach_loops() {
  losetup --list --noheadings --output NAME,BACK-FILE 2>/dev/null |
    while read -r dev file; do
      case $file in "$run/storage/"*) losetup -d "$dev" 2>/dev/null || true ;; esac
    done
}

stopping=0
stop_all() {
  [ $stopping = 1 ] && return
  stopping=1
  trap '' INT TERM
  if istmd_alive; then
    say "quickstart: stopping istmd (PID $istmd_pid)"
    kill -TERM "$istmd_pid"
    wait_gone "$istmd_pid" 100 || { say "quickstart: istmd did not stop in 10 s, killing it"; kill -KILL "$istmd_pid"; }
    wait "$istmd_pid" 2>/dev/null || true
  fi
  if tgt_alive; then
    say "quickstart: stopping tgtd (PID $tgt_pid)"
    # tgtd ignores SIGTERM, and its own shutdown refuses while it has
    # targets: SIGKILL by PID. It keeps nothing: istmd applies every target
    # again to the next tgtd.
    tgtadm -C "$tgt_port" --mode system --op delete >/dev/null 2>&1 || true
    wait_gone "$tgt_pid" 10 || kill -KILL "$tgt_pid" 2>/dev/null || true
    wait "$tgt_pid" 2>/dev/null || true
  fi
  detach_loops
}
trap 'stop_all; exit 0' INT TERM
trap 'stop_all' EXIT

if tgtadm -C "$tgt_port" --mode system --op show >/dev/null 2>&1; then
  die "a tgtd already answers on control port $tgt_port (another quick start?). istmd owns its
tgtd and removes targets it does not know: set ISTMD_TGT_CONTROL_PORT to a free port."
fi
# Their own sessions: Ctrl-C reaches this script only, which stops them in order.
setsid tgtd -f -C "$tgt_port" --iscsi "portal=$portal" >>"$run/tgtd.log" 2>&1 </dev/null &
tgt_pid=$!
for _ in $(seq 50); do
  tgtadm -C "$tgt_port" --mode system --op show >/dev/null 2>&1 && break
  tgt_alive || break
  sleep 0.1
done
tgtadm -C "$tgt_port" --mode system --op show >/dev/null 2>&1 ||
  { tail -n 20 "$run/tgtd.log" >&2; die "tgtd did not start (log: $run/tgtd.log)"; }

log_start=$(( $(stat -c %s "$run/istmd.log" 2>/dev/null || echo 0) + 1 ))
setsid "$istmd" --config "$run/istmd.conf" --foreground >>"$run/istmd.log" 2>&1 </dev/null &
istmd_pid=$!
# istmd listens before its state is loaded; it serves once it logs "started".
up=0
for _ in $(seq 300); do
  istmd_alive || break
  if tail -c +"$log_start" "$run/istmd.log" | grep -q "istmd .* started: "; then up=1; break; fi
  sleep 0.1
done
if [ $up != 1 ]; then
  tail -n 20 "$run/istmd.log" >&2
  die "istmd did not start (log: $run/istmd.log; is port $epm_port of $addr taken?)"
fi

# ---- how to connect ----------------------------------------------------------------------
server=$addr
[ "$epm_port" = 135 ] || server=$addr:$epm_port
rel() { case $1 in "$PWD"/*) printf '%s' "${1#"$PWD"/}" ;; *) printf '%s' "$1" ;; esac; }
ctl="$(rel "$istmctl") --server $server --user $admin --password-file $(rel "$password_file")"
# What an earlier run left (the counts of istmctl's JSON lists).
count() {
  "$istmctl" --server "$server" --user "$admin" --password-file "$password_file" \
    "$1" list --json 2>/dev/null |
    python3 -c 'import json, sys; print(len(json.load(sys.stdin)[sys.argv[1] + "s"]))' "$1" \
      2>/dev/null || echo "?"
}
targets=$(count target) disks=$(count disk)
if [ "$object_port" = 0 ]; then
  object_port_text="chosen at random on each start ([rpc] object_port = 0)"
else
  object_port_text="$object_port ([rpc] object_port)"
fi
cat <<EOF

istmd is running (PID $istmd_pid) with its own tgtd (PID $tgt_pid, control port $tgt_port).

  Management (MS-ISTM over DCOM):  $addr, endpoint mapper port $epm_port,
                                   object port $object_port_text
  iSCSI portal:                    $portal
  Account:                         $admin / $password
                                   (also in $(rel "$password_file"), mode 0600)
  Virtual disks live in:           $run/storage  (drive D: for Windows consoles)
  State and logs:                  $(rel "$run")/  (state/, istmd.log, tgtd.log)
  Configuration:                   $(rel "$conf") ($conf_note)

EOF
if [ "$targets" = 0 ] && [ "$disks" = 0 ]; then
  cat <<EOF
Nothing is configured yet. First istmctl commands (README "Using it", docs/istmctl.md):

  C="$ctl"
  \$C info
  \$C disk create $run/storage/disk1.vhd --size 64M --description "first disk"
  \$C target create db --description "first target"
  \$C map db 1                        # 1: the WTD index 'disk create' printed
  \$C allow db iqn.2024-01.org.example:client
  \$C target show db                  # its IQN: the initiator logs in to it

Then an initiator logs in as the allowed IQN, e.g. with libiscsi (Debian: libiscsi-bin):
  iscsi-ls -i iqn.2024-01.org.example:client -s iscsi://$portal/
EOF
else
  cat <<EOF
State kept from an earlier run: $targets target(s), $disks disk(s). See them with:

  C="$ctl"
  \$C target list
  \$C disk list
EOF
fi
cat <<EOF

Other MS-ISTM clients:
  impacket (python3-impacket): /usr/bin/python3 contrib/impacket_example.py $server $admin $(rel "$password_file")
  A Windows iSCSI Software Target console: docs/windows-console.md (the address
    to listen on, the two firewall ports, the account and authentication level).

quickstart: ready. Ctrl-C (or SIGTERM to PID $$) stops istmd and tgtd.
EOF

# Run until a signal, or until one of them ends on its own.
set +e
while istmd_alive && tgt_alive; do
  wait -n "$istmd_pid" "$tgt_pid" 2>/dev/null
done
if [ $stopping = 0 ]; then
  istmd_alive || say "quickstart: istmd ended on its own (log: $run/istmd.log)" >&2
  tgt_alive || say "quickstart: tgtd ended on its own (log: $run/tgtd.log)" >&2
  stop_all
  exit 1
fi
