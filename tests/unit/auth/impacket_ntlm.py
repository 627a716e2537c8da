#!/usr/bin/python3
"""Cross-check of our NTLMSSP/SPNEGO server against an independent
implementation: impacket's NTLM client (impacket.ntlm) and SPNEGO encoder
(impacket.spnego) talk to auth_driver (one server context per process), and
our signatures and sealed data are verified with impacket's SIGN/SEAL.

Usage: impacket_ntlm.py PATH/TO/auth_driver   (run by ctest; bounded in time)
"""
import os
import struct
import subprocess
import sys

from Cryptodome.Cipher import ARC4
from impacket import ntlm
from impacket.spnego import SPNEGO_NegTokenInit, SPNEGO_NegTokenResp, TypesMech, asn1encode

DRIVER = sys.argv[1]
USER, PASSWORD = "alice", "S3cret!pw"
EACCES, ENOTSUP, EBADMSG = -13, -95, -74
NTLMSSP = TypesMech["NTLMSSP - Microsoft NTLM Security Support Provider"]
KRB5 = TypesMech["KRB5 - Kerberos 5"]


class Driver:
    """One auth_driver process: a server-side security context."""

    def __init__(self, *flags, admin=True):
        args = [DRIVER, *flags, USER, PASSWORD] + (["admin"] if admin else [])
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, *words):
        line = " ".join(w.hex() if isinstance(w, bytes) else str(w) for w in words)
        self.proc.stdin.write((line or "-") + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().split()
        if not answer:
            raise RuntimeError("driver died on: " + line[:80])
        return answer

    def token(self, data):
        _, rc, out = self.ask("TOKEN", data)
        return int(rc), (b"" if out == "-" else bytes.fromhex(out))

    def close(self):
        self.proc.stdin.close()
        if self.proc.wait(timeout=10) != 0:
            raise RuntimeError("driver exited with %d" % self.proc.returncode)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def pdu(n, stub_len):
    """A DCE/RPC-like PDU: 16-byte header, stub, 8-byte trailer."""
    header = struct.pack("<4sI8s", b"\x05\x00\x00\x03", 16 + stub_len + 8 + 16, b"hdr%05d" % n)
    stub = bytes((i * 13 + n) & 0xFF for i in range(stub_len))
    return header + stub + b"trailer!", 16, stub_len


class Keys:
    """impacket's view of the session: per-direction keys, handles, counters."""

    def __init__(self, flags, session_key):
        self.flags = flags
        self.session_key = session_key
        self.client_sign = ntlm.SIGNKEY(flags, session_key, "Client")
        self.server_sign = ntlm.SIGNKEY(flags, session_key, "Server")
        self.client_seal = ARC4.new(ntlm.SEALKEY(flags, session_key, "Client")).encrypt
        self.server_seal = ARC4.new(ntlm.SEALKEY(flags, session_key, "Server")).encrypt
        self.send_seq = 0
        self.recv_seq = 0


def traffic(drv, keys, rounds=5):
    for n in range(rounds):
        # client -> server, sealed: impacket seals, we unseal
        whole, off, length = pdu(n, 8 + 7 * n)
        stub = whole[off:off + length]
        sealed, sig = ntlm.SEAL(keys.flags, keys.client_sign, None, whole, stub, keys.send_seq,
                                keys.client_seal)
        keys.send_seq += 1
        wire = whole[:off] + sealed + whole[off + length:]
        answer = drv.ask("UNSEAL", wire, off, length, sig.getData())
        check(answer == ["OK", whole.hex()], "our server unseals impacket's message %d" % n)

        # server -> client, sealed: we seal, impacket unseals and verifies
        whole, off, length = pdu(100 + n, 5 + 3 * n)
        status, wire, sig = drv.ask("SEAL", whole, off, length)
        check(status == "OK", "seal")
        wire, sig = bytes.fromhex(wire), bytes.fromhex(sig)
        check(wire[off:off + length] != whole[off:off + length], "data is encrypted")
        plain = keys.server_seal(wire[off:off + length])
        check(plain == whole[off:off + length], "impacket unseals our message %d" % n)
        expected = ntlm.MAC(keys.flags, keys.server_seal, keys.server_sign, keys.recv_seq, whole)
        keys.recv_seq += 1
        check(expected.getData() == sig, "impacket verifies our sealed signature %d" % n)

        # signing only, both ways
        whole, _, _ = pdu(200 + n, 11)
        sig = ntlm.SIGN(keys.flags, keys.client_sign, whole, keys.send_seq, keys.client_seal)
        keys.send_seq += 1
        check(drv.ask("CHECK", whole, sig.getData()) == ["OK"], "we verify impacket's signature")
        status, sig = drv.ask("SIGN", whole)
        expected = ntlm.SIGN(keys.flags, keys.server_sign, whole, keys.recv_seq, keys.server_seal)
        keys.recv_seq += 1
        check(status == "OK" and expected.getData() == bytes.fromhex(sig),
              "impacket verifies our signature %d" % n)

    # a tampered sealed message is refused, and the context stays refused
    whole, off, length = pdu(999, 16)
    sealed, sig = ntlm.SEAL(keys.flags, keys.client_sign, None, whole, whole[off:off + length],
                            keys.send_seq, keys.client_seal)
    wire = bytearray(whole[:off] + sealed + whole[off + length:])
    wire[off + 3] ^= 0x10
    check(drv.ask("UNSEAL", bytes(wire), off, length, sig.getData()) == ["ERR", str(EBADMSG)],
          "tampered data refused")
    check(drv.ask("CHECK", whole, sig.getData())[0] == "ERR", "context broken after a bad message")
    check(drv.ask("SIGN", whole)[0] == "ERR", "in both directions")


def ntlm_logon(password=PASSWORD, v2=True, driver_flags=(), domain="ANYDOMAIN"):
    drv = Driver(*driver_flags)
    type1 = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=v2)
    rc, challenge = drv.token(type1.getData())
    check(rc == 1 and challenge[:8] == b"NTLMSSP\0", "CHALLENGE")
    type3, session_key = ntlm.getNTLMSSPType3(type1, challenge, USER, password, domain, use_ntlmv2=v2)
    rc, out = drv.token(type3.getData())
    return drv, rc, out, Keys(type3["flags"], session_key)


def test_ntlmv2():
    drv, rc, out, keys = ntlm_logon()
    check(rc == 0 and out == b"", "impacket's NTLMv2 logon accepted (rc %d)" % rc)
    check(drv.ask("WHO") == ["OK", USER, "admin"], "user and role")
    check(keys.flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH, "key exchange negotiated")
    traffic(drv, keys)
    drv.close()


def test_empty_domain():
    drv, rc, _, keys = ntlm_logon(domain="")
    check(rc == 0, "empty domain accepted")
    traffic(drv, keys, rounds=1)
    drv.close()


def test_wrong_password():
    drv, rc, _, _ = ntlm_logon(password="wrong")
    check(rc == EACCES, "wrong password refused with -EACCES (rc %d)" % rc)
    drv.close()


def test_ntlmv1():
    drv, rc, _, _ = ntlm_logon(v2=False)
    check(rc == ENOTSUP, "NTLMv1 refused by default (rc %d)" % rc)
    drv.close()
    drv, rc, _, keys = ntlm_logon(v2=False, driver_flags=("--allow-ntlmv1",))
    check(rc == 0, "NTLMv1 accepted with allow_ntlmv1 (rc %d)" % rc)
    traffic(drv, keys, rounds=2)
    drv.close()


def spnego_logon(mechs, optimistic):
    drv = Driver("--spnego")
    type1 = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
    init = SPNEGO_NegTokenInit()
    init["MechTypes"] = mechs
    if optimistic:
        init["MechToken"] = type1.getData()
    rc, out = drv.token(init.getData())
    check(rc == 1, "NegTokenInit accepted (rc %d)" % rc)
    # [1] SupportedMech OID NTLMSSP, in the first reply only
    check(b"\xa1\x0c\x06\x0a" + NTLMSSP in out, "NTLMSSP chosen")
    if optimistic:
        resp = SPNEGO_NegTokenResp(out)
    else:
        # impacket's parser wants a responseToken after supportedMech; this
        # reply has none, so look for negState ([0] ENUMERATED) directly
        state = 3 if mechs[0] != NTLMSSP else 1  # request-mic when NTLMSSP is not first
        check(b"\xa0\x03\x0a\x01" + bytes([state]) in out and b"\xa2" not in out, "negState")
        follow = SPNEGO_NegTokenResp()
        follow["ResponseToken"] = type1.getData()
        rc, out = drv.token(follow.getData())
        check(rc == 1, "NEGOTIATE in a NegTokenResp (rc %d)" % rc)
        resp = SPNEGO_NegTokenResp(out)
    check(resp["NegState"] == b"\x01", "accept-incomplete")
    type3, session_key = ntlm.getNTLMSSPType3(type1, resp["ResponseToken"], USER, PASSWORD, "",
                                              use_ntlmv2=True)
    last = SPNEGO_NegTokenResp()
    last["ResponseToken"] = type3.getData()
    rc, out = drv.token(last.getData())
    return drv, rc, out, Keys(type3["flags"], session_key)


def test_spnego():
    drv, rc, out, keys = spnego_logon([NTLMSSP], optimistic=True)
    check(rc == 0, "SPNEGO logon completes (rc %d)" % rc)
    check(SPNEGO_NegTokenResp(out)["NegState"] == b"\x00", "accept-completed")
    traffic(drv, keys, rounds=2)
    drv.close()
    drv, rc, out, keys = spnego_logon([NTLMSSP], optimistic=False)
    check(rc == 0, "SPNEGO logon without an optimistic token (rc %d)" % rc)
    drv.close()
    # NTLMSSP second: the server asks for a mechListMIC, which impacket cannot
    # produce, so the context must not complete without it
    drv, rc, out, keys = spnego_logon([KRB5, NTLMSSP], optimistic=False)
    check(rc == 1, "a downgraded logon waits for the mechListMIC (rc %d)" % rc)
    drv.close()


def authenticate_with_mic(type1, challenge, tamper=False):
    """An AUTHENTICATE_MESSAGE with MsvAvFlags/MIC, computed here from MS-NLMP
    3.1.5.1.2 with impacket's primitives (impacket's client sends no MIC)."""
    ch = ntlm.NTLMAuthChallenge(challenge)
    av = ntlm.AV_PAIRS(ch["TargetInfoFields"])
    av[ntlm.NTLMSSP_AV_FLAGS] = struct.pack("<I", 2)  # MIC present
    temp = (b"\x01\x01" + b"\0" * 6 + av[ntlm.NTLMSSP_AV_TIME][1] + os.urandom(8) + b"\0" * 4
            + av.getData() + b"\0" * 4)
    key = ntlm.NTOWFv2(USER, PASSWORD, "")
    proof = ntlm.hmac_md5(key, ch["challenge"] + temp)
    session_key = os.urandom(16)
    encrypted_key = ARC4.new(ntlm.hmac_md5(key, proof)).encrypt(session_key)
    flags = type1["flags"] | ntlm.NTLMSSP_NEGOTIATE_VERSION
    fields = [b"\0" * 24, proof + temp, b"", USER.encode("utf-16le"), b"", encrypted_key]
    header, payload, offset = b"", b"", 88
    for f in fields:
        header += struct.pack("<HHI", len(f), len(f), offset + len(payload))
        payload += f
    msg = (b"NTLMSSP\0" + struct.pack("<I", 3) + header + struct.pack("<I", flags)
           + bytes([10, 0, 0x63, 0x45, 0, 0, 0, 15]) + b"\0" * 16 + payload)
    mic = bytearray(ntlm.hmac_md5(session_key, type1.getData() + challenge + msg))
    if tamper:
        mic[5] ^= 1
    return msg[:72] + bytes(mic) + msg[88:], Keys(flags, session_key)


def test_ntlm_mic():
    for tamper in (False, True):
        drv = Driver()
        type1 = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
        rc, challenge = drv.token(type1.getData())
        auth, keys = authenticate_with_mic(type1, challenge, tamper)
        rc, _ = drv.token(auth)
        check(rc == (EACCES if tamper else 0), "MIC %s (rc %d)" % ("tampered" if tamper else "good", rc))
        if not tamper:
            traffic(drv, keys, rounds=2)
        drv.close()


def test_spnego_mech_list_mic():
    """mechListMIC both ways (MS-SPNG 3.1.5.1), then the first PDUs carry
    sequence number 1 with fresh RC4 state (MS-SPNG 3.2.5.1/3.3.5.1)."""
    for tamper in (False, True):
        drv = Driver("--spnego")
        type1 = ntlm.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=True)
        init = SPNEGO_NegTokenInit()
        init["MechTypes"] = [NTLMSSP]
        init["MechToken"] = type1.getData()
        rc, out = drv.token(init.getData())
        auth, keys = authenticate_with_mic(type1, SPNEGO_NegTokenResp(out)["ResponseToken"])
        mech_types = b"\x30" + asn1encode(b"\x06" + asn1encode(NTLMSSP))
        mic = ntlm.SIGN(keys.flags, keys.client_sign, mech_types, 0, keys.client_seal).getData()
        if tamper:
            mic = mic[:-1] + bytes([mic[-1] ^ 1])
        body = (b"\xa2" + asn1encode(b"\x04" + asn1encode(auth))
                + b"\xa3" + asn1encode(b"\x04" + asn1encode(mic)))
        rc, out = drv.token(b"\xa1" + asn1encode(b"\x30" + asn1encode(body)))
        if tamper:
            check(rc == EACCES, "tampered mechListMIC refused (rc %d)" % rc)
            drv.close()
            continue
        check(rc == 0, "SPNEGO with mechListMIC completes (rc %d)" % rc)
        # accept-completed, then [3] OCTET STRING: the server's MIC with its sequence 0
        check(out.startswith(b"\xa1\x1b\x30\x19\xa0\x03\x0a\x01\x00\xa3\x12\x04\x10"), "reply")
        expected = ntlm.SIGN(keys.flags, keys.server_sign, mech_types, 0, keys.server_seal)
        check(out[-16:] == expected.getData(), "impacket verifies the server's mechListMIC")
        keys.client_seal = ARC4.new(ntlm.SEALKEY(keys.flags, keys.session_key, "Client")).encrypt
        keys.server_seal = ARC4.new(ntlm.SEALKEY(keys.flags, keys.session_key, "Server")).encrypt
        keys.send_seq = keys.recv_seq = 1
        traffic(drv, keys, rounds=2)
        drv.close()


def main():
    tests = (test_ntlmv2, test_empty_domain, test_wrong_password, test_ntlmv1, test_spnego,
             test_ntlm_mic, test_spnego_mech_list_mic)
    for test in tests:
        test()
        print("ok", test.__name__)
    print("%d passed, 0 failed" % len(tests))


if __name__ == "__main__":
    main()
