#!/usr/bin/python3
"""What the shared tests ask of the iSCSI target behind istmd, for either
backend (issue 15 item 4): tgt on the host (tgtadm on a private control
port) or LIO in the QEMU guest (configfs, read through tests/lio/lio_guest.py).
The tests say what they expect once; the backend says where to look.

    b = tgt_view(control_port, "127.0.9.1", 3260)   # or lio_view(guest)
    b.iqns()             # the targets the backend serves
    b.sessions()         # {tsih: (initiator IQN, ISID or None, connections)}
    b.max_connections(iqn), b.set_max_connections(iqn, value)
    b.live()             # a comparable picture of every target (restarts, drift)
    b.run(shell)         # (status, output) where the backend and istmd run
    b.spawn(argv, log)   # a process there (Popen-like: pid, poll, wait, kill)

Addresses as the target sees them: the initiator's (initiator_address) and
the portal's (target_address, target_port). With LIO in the guest, every
host connection arrives from QEMU's host address, 10.0.2.2, at 10.0.2.15.
"""
import os
import re
import subprocess

TGTADM = "/usr/sbin/tgtadm"
CFS = "/sys/kernel/config/target"
TCP_ESTABLISHED = "01"


def _tcp_table(text, local_port):
    """[(remote address, remote port)] of the established connections to
    LOCAL_PORT in a /proc/net/tcp text (IPv4)."""
    found = []
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) < 4 or f[3] != TCP_ESTABLISHED:
            continue
        laddr, lport = f[1].split(":")
        raddr, rport = f[2].split(":")
        if int(lport, 16) != local_port:
            continue
        ip = ".".join(str(b) for b in reversed(bytes.fromhex(raddr)))
        found.append((ip, int(rport, 16)))
    return sorted(found)


class TgtView:
    name = "tgt"
    initiator_address = "127.0.0.1"
    isid_known = False  # tgtadm does not say (docs/compat.md)
    restartable = True  # a new tgtd can be started under istmd

    def __init__(self, control_port, portal_addr, portal_port=3260):
        self.control_port = str(control_port)
        self.target_address = portal_addr
        self.target_port = int(portal_port)

    def now(self):
        """The time where istmd runs (seconds since the epoch)."""
        import time
        return time.time()

    def tgtadm(self, *args):
        return subprocess.run([TGTADM, "-C", self.control_port, "--lld", "iscsi"] + list(args),
                              capture_output=True, text=True, timeout=10).stdout

    def run(self, command, timeout=60):
        r = subprocess.run(["sh", "-c", command], capture_output=True, text=True,
                           timeout=timeout)
        return r.returncode, r.stdout + r.stderr

    def spawn(self, argv, log):
        out = open(log, "a")
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        finally:
            out.close()

    def iqns(self):
        return [line.split(": ", 1)[1] for line in
                self.tgtadm("--mode", "target", "--op", "show").splitlines()
                if line.startswith("Target ")]

    def _tid(self, iqn):
        for line in self.tgtadm("--mode", "target", "--op", "show").splitlines():
            m = re.match(r"^Target (\d+): (\S+)$", line)
            if m and m.group(2) == iqn:
                return m.group(1)
        return None

    def sessions(self):
        """{TSIH: (initiator, None, connection count)} from tgtadm (the
        target mode lists one connection per nexus: the conn mode counts)."""
        out, cur = {}, None
        tids = []
        for line in self.tgtadm("--mode", "target", "--op", "show").splitlines():
            s = line.strip()
            m = re.match(r"^Target (\d+): ", line)
            if m:
                tids.append(m.group(1))
            m = re.match(r"^I_T nexus: (\d+)$", s)
            if m:
                cur = int(m.group(1))
                continue
            m = re.match(r"^Initiator: (\S+)", s)
            if m and cur is not None:
                out[cur] = [m.group(1), None, 0]
                cur = None
        for tid in tids:
            conns = self.tgtadm("--mode", "conn", "--op", "show", "--tid", tid)
            for tsih in re.findall(r"^Session: (\d+)$", conns, re.M):
                if int(tsih) in out:
                    out[int(tsih)][2] += 1
        return {k: tuple(v) for k, v in out.items()}

    def max_connections(self, iqn):
        m = re.search(r"MaxConnections=(\d+)",
                      self.tgtadm("--mode", "target", "--op", "show", "--tid", self._tid(iqn)))
        return int(m.group(1)) if m else None

    def set_max_connections(self, iqn, value):
        self.tgtadm("--mode", "target", "--op", "update", "--tid", self._tid(iqn), "--name",
                    "MaxConnections", "--value", str(value))

    def params(self, iqn):
        """{key: value} of the negotiation parameters the target offers."""
        text = self.tgtadm("--mode", "target", "--op", "show", "--tid", self._tid(iqn))
        return {k: int(v) for k, v in re.findall(
            r"^(MaxRecvDataSegmentLength|FirstBurstLength|MaxBurstLength|MaxConnections)="
            r"(\d+)$", text, re.M)}

    def drift(self, iqn, initiator):
        """Changes behind istmd's back: the initiator's ACL entry removed and
        the target taken offline."""
        tid = self._tid(iqn)
        self.tgtadm("--mode", "target", "--op", "unbind", "--tid", tid, "--initiator-name",
                    initiator)
        self.tgtadm("--mode", "target", "--op", "update", "--tid", tid, "--name", "state",
                    "--value", "offline")

    def portal_connections(self):
        """[(initiator address, port)] of the TCP connections to the portal."""
        with open("/proc/net/tcp") as f:
            return [c for c in _tcp_table(f.read(), self.target_port)]

    def live(self):
        """{iqn: (state, LUN numbers, ACL lines, accounts)} from tgtadm."""
        show = self.tgtadm("--mode", "target", "--op", "show")
        found = {}
        for block in re.split(r"^Target \d+: ", show, flags=re.M)[1:]:
            name = block.splitlines()[0].strip()
            st = re.search(r"^\s+State: (\S+)", block, flags=re.M)
            luns = tuple(re.findall(r"^\s+LUN: (\d+)", block, flags=re.M))
            acl = tuple(sorted(re.findall(r"^\s+ACL information:\s*\n((?:\s{8}\S.*\n?)*)",
                                          block, flags=re.M)))
            accounts = tuple(sorted(re.findall(
                r"^\s+Account information:\s*\n((?:\s{8}\S.*\n?)*)", block, flags=re.M)))
            found[name] = (st.group(1) if st else None, luns, acl, accounts)
        return found

    def served(self, live, iqn, luns):
        """Whether LIVE shows IQN enabled with exactly LUNS (istmd's numbers)."""
        t = live.get(iqn)
        return t is not None and t[0] == "ready" and t[1] == ("0",) + tuple(str(x) for x in luns)

    def disabled(self, live, iqn):
        t = live.get(iqn)
        return t is not None and t[0] == "offline"


# What configfs holds of the WWNs: one line per fact, sorted.
_SNAPSHOT = r"""cd %s/iscsi || exit 1
for w in iqn.* ; do
  g=$w/tpgt_1
  echo "$w enable=$(cat $g/enable) auth=$(cat $g/attrib/authentication)"
  for l in $g/lun/lun_*; do [ -d "$l" ] && echo "$l"; done
  for a in $g/acls/*; do
    [ -d "$a" ] || continue
    echo "$a user=$(cat $a/auth/userid) mutual=$(cat $a/auth/userid_mutual)"
    for m in $a/lun_*; do [ -d "$m" ] && echo "$m"; done
  done
  for p in $g/np/*; do [ -d "$p" ] && echo "$p"; done
  echo "$w params=$(cd $g/param && cat MaxRecvDataSegmentLength FirstBurstLength \
    MaxBurstLength MaxConnections | tr '\n' ' ')"
done | sort
""" % CFS


class LioView:
    name = "lio"
    initiator_address = "10.0.2.2"  # QEMU user networking's host
    target_address = "10.0.2.15"
    target_port = 3260
    isid_known = True
    restartable = False  # the kernel target stays up

    def __init__(self, guest):
        self.guest = guest

    def run(self, command, timeout=60):
        return self.guest.run(command, timeout)

    def now(self):
        """The guest's time (its clock is not the host's)."""
        return float(self.run("date +%s.%N")[1])

    def spawn(self, argv, log):
        import lio_guest
        return lio_guest.GuestProcess(self.guest, argv, log)

    def iqns(self):
        return [w for w in self.run("ls %s/iscsi" % CFS)[1].split()
                if w.startswith(("iqn.", "eui.", "naa."))]

    def sessions(self):
        """{TSIH: (initiator, ISID, connection count)} from the ACLs' info files."""
        out = {}
        text = self.run("for f in %s/iscsi/*/tpgt_*/acls/*/info; do [ -f \"$f\" ] && cat "
                        "\"$f\"; done" % CFS)[1]
        ini = None
        cur = None
        for line in text.splitlines():
            m = re.match(r"^InitiatorName: (\S+)", line)
            if m:
                ini = m.group(1)
                continue
            m = re.search(r"ISID: 0x([0-9a-f ]+?)\s+TSIH: (\d+)", line)
            if m and ini is not None:
                cur = int(m.group(2))
                out[cur] = [ini, int(m.group(1).replace(" ", ""), 16), 0]
                continue
            if re.match(r"^CID: \d+", line) and cur in out:
                out[cur][2] += 1
        return {k: tuple(v) for k, v in out.items()}

    def max_connections(self, iqn):
        rc, out = self.run("cat %s/iscsi/%s/tpgt_1/param/MaxConnections" % (CFS, iqn))
        return int(out) if rc == 0 else None

    def set_max_connections(self, iqn, value):
        self.run("echo %d > %s/iscsi/%s/tpgt_1/param/MaxConnections" % (value, CFS, iqn))

    def params(self, iqn):
        keys = ("MaxRecvDataSegmentLength", "FirstBurstLength", "MaxBurstLength",
                "MaxConnections")
        rc, out = self.run("cd %s/iscsi/%s/tpgt_1/param && cat %s" % (CFS, iqn, " ".join(keys)))
        return dict(zip(keys, (int(v) for v in out.split()))) if rc == 0 else {}

    def drift(self, iqn, initiator):
        """Changes behind istmd's back: the initiator's ACL removed and the
        TPG disabled."""
        self.run("G=%s/iscsi/%s/tpgt_1; echo 0 > $G/enable; for m in $G/acls/%s/lun_*; do "
                 "rm $m/mapped; rmdir $m; done; rmdir $G/acls/%s" % (CFS, iqn, initiator,
                                                                     initiator))

    def portal_connections(self):
        return _tcp_table(self.run("cat /proc/net/tcp")[1], self.target_port)

    def live(self):
        """configfs's lines for every WWN (sorted text)."""
        rc, out = self.run(_SNAPSHOT)
        return out if rc == 0 else None

    def served(self, live, iqn, luns):
        lines = live.splitlines()
        return ("%s enable=1" % iqn) in " ".join(lines) and sorted(
            int(x) for x in re.findall(r"^%s/tpgt_1/lun/lun_(\d+)$" % re.escape(iqn), live,
                                       re.M)) == sorted(luns)

    def disabled(self, live, iqn):
        return re.search(r"^%s enable=0 " % re.escape(iqn), live, re.M) is not None


def tgt_view(control_port, portal_addr, portal_port=3260):
    return TgtView(control_port, portal_addr, portal_port)


def lio_view(guest):
    return LioView(guest)


def of_env(env):
    """The view for an e2e_env.Env (its --backend)."""
    if env.lio:
        return LioView(env.guest)
    return TgtView(env.tgt_port, env.addr, 3260)
