#!/usr/bin/python3
"""A multi-connection (MC/S) iSCSI initiator for the session tests, on raw
sockets (RFC 3720), doing what Windows' AddIscsiConnection does:

  mcs_initiator.py ADDR PORT TARGET_IQN INITIATOR_IQN [PAUSE_SECONDS|wait]

1. leading login on a first TCP connection: a chosen ISID, TSIH 0, CID 0
   (security stage with AuthMethod=None, then the operational stage offering
   MaxConnections=8);
2. after PAUSE_SECONDS (default 0), or with "wait" once it printed "leading"
   and read a line "add" on standard input, a second login on a new TCP
   connection: the same ISID, the TSIH the target returned, CID 1;
3. an INQUIRY of LUN 0 on each connection (CmdSN shared by the session).

Then prints "ready LOCAL_PORT0 LOCAL_PORT1 TSIH MAX_CONNECTIONS ISID" and
holds both connections. Each line on standard input is a command: "logout 1"
closes connection 1 (Logout, reason "close the connection") and prints
"closed 1". End of input (or 120 s) logs the session out and exits. Any
protocol failure exits 1 with a message on stderr."""
import select
import socket
import struct
import sys
import time

ISID = bytes([0x80, 0x12, 0x34, 0x56, 0x4D, 0x43])  # type "random", qualifier "MC"


def fail(what):
    sys.stderr.write("mcs_initiator: %s\n" % what)
    sys.exit(1)


def pad4(n):
    return (n + 3) & ~3


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            fail("connection closed by the target")
        buf += chunk
    return buf


def recv_pdu(sock):
    """(bhs, data) of the next PDU (no digests: none negotiated)."""
    bhs = recv_exact(sock, 48)
    ahs = bhs[4] * 4
    dsl = int.from_bytes(bhs[5:8], "big")
    rest = recv_exact(sock, ahs + pad4(dsl))
    return bhs, rest[ahs:ahs + dsl]


def keys_text(keys):
    return b"".join(("%s=%s" % kv).encode() + b"\0" for kv in keys)


def parse_keys(data):
    out = {}
    for item in data.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            out[k.decode()] = v.decode()
    return out


class Connection:
    def __init__(self, addr, port, cid):
        self.sock = socket.create_connection((addr, port), timeout=10)
        self.cid = cid
        self.exp_statsn = 0
        self.itt = cid << 16

    def local_port(self):
        return self.sock.getsockname()[1]

    def next_itt(self):
        self.itt += 1
        return self.itt

    def send(self, bhs, data=b""):
        self.sock.sendall(bhs + data + b"\0" * (pad4(len(data)) - len(data)))

    def login(self, session, target, initiator, tsih):
        """Security stage (AuthMethod=None), then operational; returns (TSIH, keys)."""
        itt = self.next_itt()
        stages = [
            (0, 1, [("InitiatorName", initiator), ("TargetName", target),
                    ("SessionType", "Normal"), ("AuthMethod", "None")]),
            (1, 3, [("HeaderDigest", "None"), ("DataDigest", "None"),
                    ("MaxConnections", "8"), ("InitialR2T", "Yes"), ("ImmediateData", "Yes"),
                    ("MaxRecvDataSegmentLength", "65536"), ("MaxBurstLength", "262144"),
                    ("FirstBurstLength", "65536"), ("DefaultTime2Wait", "2"),
                    ("DefaultTime2Retain", "0"), ("MaxOutstandingR2T", "1"),
                    ("DataPDUInOrder", "Yes"), ("DataSequenceInOrder", "Yes"),
                    ("ErrorRecoveryLevel", "0")]),
        ]
        negotiated = {}
        for csg, nsg, keys in stages:
            for _ in range(4):  # the target may ask for another round in a stage
                data = keys_text(keys)
                bhs = struct.pack(">BBBBB3s6sHIHHII16x", 0x43, 0x80 | (csg << 2) | nsg, 0, 0, 0,
                                  len(data).to_bytes(3, "big"), ISID, tsih, itt, self.cid, 0,
                                  session.cmdsn, self.exp_statsn)
                self.send(bhs, data)
                rbhs, rdata = recv_pdu(self.sock)
                if rbhs[0] & 0x3F != 0x23:
                    fail("expected a login response, got opcode 0x%02x" % rbhs[0])
                if rbhs[36] != 0:
                    fail("login refused: class %d detail %d" % (rbhs[36], rbhs[37]))
                self.exp_statsn = struct.unpack(">I", rbhs[24:28])[0] + 1
                session.exp_cmdsn(rbhs)
                negotiated.update(parse_keys(rdata))
                tsih = struct.unpack(">H", rbhs[14:16])[0]
                keys = []
                if rbhs[1] & 0x80 and rbhs[1] & 0x03 == nsg:
                    break
            else:
                fail("the target did not move to stage %d" % nsg)
        return tsih, negotiated

    def inquiry(self, session):
        itt = self.next_itt()
        cdb = bytes([0x12, 0, 0, 0, 96, 0]) + b"\0" * 10
        bhs = struct.pack(">BBHB3sQIIII16s", 0x01, 0xC1, 0, 0, b"\0\0\0", 0, itt, 96,
                          session.cmdsn, self.exp_statsn, cdb)
        session.cmdsn += 1
        self.send(bhs)
        while True:
            rbhs, rdata = recv_pdu(self.sock)
            op = rbhs[0] & 0x3F
            if op == 0x25:  # Data-In
                if rbhs[1] & 0x01:  # with status
                    self.exp_statsn = struct.unpack(">I", rbhs[24:28])[0] + 1
                    status = rbhs[3]
                    break
            elif op == 0x21:  # SCSI Response
                self.exp_statsn = struct.unpack(">I", rbhs[24:28])[0] + 1
                status = rbhs[3]
                break
            elif op == 0x20:  # NOP-In: not answered here, the test is short
                continue
            else:
                fail("unexpected opcode 0x%02x after INQUIRY" % op)
        if status != 0:
            fail("INQUIRY on CID %d: status 0x%02x" % (self.cid, status))

    def logout(self, session, reason):
        bhs = struct.pack(">BBHB3sQIHHII16x", 0x46, 0x80 | reason, 0, 0, b"\0\0\0", 0,
                          self.next_itt(), self.cid, 0, session.cmdsn, self.exp_statsn)
        self.send(bhs)
        while True:
            rbhs, _ = recv_pdu(self.sock)
            if rbhs[0] & 0x3F == 0x26:
                break
        self.sock.close()


class Session:
    def __init__(self):
        self.cmdsn = 1

    def exp_cmdsn(self, bhs):
        exp = struct.unpack(">I", bhs[28:32])[0]
        if exp > self.cmdsn:
            self.cmdsn = exp


def main():
    if len(sys.argv) not in (5, 6):
        fail("usage: ADDR PORT TARGET_IQN INITIATOR_IQN [PAUSE_SECONDS|wait]")
    addr, port, target, initiator = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    wait = len(sys.argv) == 6 and sys.argv[5] == "wait"
    pause = float(sys.argv[5]) if len(sys.argv) == 6 and not wait else 0.0
    session = Session()
    c0 = Connection(addr, port, 0)
    tsih, keys = c0.login(session, target, initiator, 0)
    if tsih == 0:
        fail("no TSIH after the leading login")
    time.sleep(pause)
    if wait:
        print("leading", flush=True)
        r, _, _ = select.select([sys.stdin], [], [], 60.0)
        if not r or sys.stdin.readline().strip() != "add":
            fail("no 'add' on standard input")
    c1 = Connection(addr, port, 1)
    tsih1, _ = c1.login(session, target, initiator, tsih)
    if tsih1 != tsih:
        fail("the second login answered TSIH %d, not %d" % (tsih1, tsih))
    c0.inquiry(session)
    c1.inquiry(session)
    print("ready %d %d %d %s %s" % (c0.local_port(), c1.local_port(), tsih,
                                    keys.get("MaxConnections", "?"), ISID.hex()), flush=True)
    conns = {0: c0, 1: c1}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if not r:
            continue
        line = sys.stdin.readline()
        if not line:
            break
        words = line.split()
        if len(words) == 2 and words[0] == "logout" and int(words[1]) in conns:
            conns.pop(int(words[1])).logout(session, 1)
            print("closed %s" % words[1], flush=True)
    if conns:
        min(conns.items())[1].logout(session, 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
