#!/usr/bin/env python3
"""Writes the seed corpus of tests/fuzz (corpus/<target>/), small valid inputs
each target starts from (README.md "Seeds"):

  make_seeds.py MS-NLMP.md [OUTDIR]

- PDUs built here byte by byte (C706 12.6, MS-RPCE 2.2.2), in the streams the
  tests send: bind + request, NTLM and SPNEGO legs, fragments, cancels, and the
  PDU-after-a-close-decision of issue 9 defect 1;
- NTLM messages of MS-NLMP 4.2.2.3, 4.2.3.3 and 4.2.4.3 (read from the spec
  given), raw and inside SPNEGO (RFC 4178);
- impacket's activation blob (tests/unit/dcom/test_dcom_actprops.c) and a
  standard OBJREF;
- small VHDs made by qemu-img (when present);
- tgtadm replies (tests/unit/backend/test_tgt_parse.c), conf/istmd.conf, a
  users file.

fuzz_ndr_in's seeds are not here: make_ndr_seeds generates them at build time.
Deterministic but for the VHDs (qemu-img stamps a time and a random id).
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))


def write(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- PDUs ------------------------------------------------------------------

def guid(s):
    return uuid.UUID(s).bytes_le


EPM = (guid('e1af8308-5d1f-11c9-91a4-08002b14a0fa'), 3, 0)
OXID = (guid('99fcfec4-5260-101b-bbcb-00aa0021347a'), 0, 0)
SCM = (guid('000001a0-0000-0000-c000-000000000046'), 0, 0)
NDR = (guid('8a885d04-1ceb-11c9-9fe8-08002b104860'), 2, 0)
NDR64 = (guid('71710533-beba-4937-8319-b5dbef9ccc36'), 1, 0)

BIND, BIND_ACK, ALTER, AUTH3, REQUEST, RESPONSE, FAULT = 11, 12, 14, 16, 0, 2, 3
CO_CANCEL, ORPHANED = 18, 19
FIRST, LAST = 1, 2


def syntax(s):
    return s[0] + struct.pack('<HH', s[1], s[2])


def pdu(ptype, body, call_id, flags=FIRST | LAST, auth=None, drep=b'\x10\0\0\0'):
    """AUTH: (type, level, context_id, token); pads the body to 16 first."""
    trailer = b''
    auth_len = 0
    if auth is not None:
        pad = (16 - len(body) % 16) % 16
        body += b'\0' * pad
        trailer = struct.pack('<BBBBI', auth[0], auth[1], pad, 0, auth[2]) + auth[3]
        auth_len = len(auth[3])
    frag = 16 + len(body) + len(trailer)
    return struct.pack('<BBBB4sHHI', 5, 0, ptype, flags, drep, frag, auth_len, call_id) + \
        body + trailer


def bind_body(ctxs, assoc=0):
    b = struct.pack('<HHIB3x', 5840, 5840, assoc, len(ctxs))
    for cid, iface, transfers in ctxs:
        b += struct.pack('<HBx', cid, len(transfers)) + syntax(iface)
        for t in transfers:
            b += syntax(t)
    return b


def bind(call_id, iface, ptype=BIND, assoc=0, auth=None, transfers=(NDR,), flags=FIRST | LAST):
    return pdu(ptype, bind_body([(0, iface, list(transfers))], assoc), call_id, flags, auth)


def request(call_id, opnum, stub, ctx=0, flags=FIRST | LAST, auth=None, obj=None, hint=None):
    body = struct.pack('<IHH', len(stub) if hint is None else hint, ctx, opnum)
    if obj is not None:
        flags |= 0x80
        body += obj
    return pdu(REQUEST, body + stub, call_id, flags, auth)


def tower(iface):
    def floor(lhs, rhs):
        return struct.pack('<H', len(lhs)) + lhs + struct.pack('<H', len(rhs)) + rhs
    floors = [floor(b'\x0d' + iface[0] + struct.pack('<H', iface[1]), struct.pack('<H', iface[2])),
              floor(b'\x0d' + NDR[0] + struct.pack('<H', NDR[1]), struct.pack('<H', 0)),
              floor(b'\x0b', b'\0\0'), floor(b'\x07', b'\0\0'), floor(b'\x09', b'\0\0\0\0')]
    return struct.pack('<H', len(floors)) + b''.join(floors)


def ept_map_stub(iface):
    t = tower(iface)
    stub = struct.pack('<I', 1) + bytes(16)                 # object, a nil UUID
    stub += struct.pack('<III', 2, len(t), len(t)) + t      # map_tower
    stub += b'\0' * ((4 - len(stub) % 4) % 4)
    stub += bytes(20) + struct.pack('<I', 4)                # entry_handle, max_towers
    return stub


def rpc_seeds(out, ntlm):
    neg, auth_v2 = ntlm['negotiate'], ntlm['auth_v2']
    sig = struct.pack('<I', 1) + bytes(8) + struct.pack('<I', 0)
    integ = 5
    pdus = {
        'bind_epm': bind(1, EPM),
        'bind_epm_ndr64': bind(1, EPM, transfers=(NDR64, NDR)),
        'bind_oxid_ntlm': bind(1, OXID, auth=(10, integ, 0, neg)),
        'bind_oxid_spnego': bind(1, OXID, auth=(9, integ, 0, spnego_init(neg))),
        'alter_scm': bind(2, SCM, ptype=ALTER),
        'auth3_ntlm': pdu(AUTH3, b'\0\0\0\0', 1, auth=(10, integ, 0, auth_v2)),
        'request_ept_map': request(2, 3, ept_map_stub(OXID)),
        'request_alive2_signed': request(3, 5, b'', auth=(10, integ, 0, sig)),
        'request_object': request(4, 3, b'\0' * 8, obj=guid('12345678-1234-1234-1234-123456789abc')),
        'response': pdu(RESPONSE, struct.pack('<IHBx', 4, 0, 0) + b'\0' * 4, 2),
        'bind_ack': pdu(BIND_ACK, struct.pack('<HHIH', 5840, 5840, 0x1234, 4) + b'135\0' +
                        struct.pack('<B3x', 1) + struct.pack('<HH', 0, 0) + syntax(NDR), 1),
        'fault': pdu(FAULT, struct.pack('<IHBxI4x', 0, 0, 0, 0x1c010002), 2),
        'co_cancel': pdu(CO_CANCEL, b'', 2),
        'request_big_endian': pdu(REQUEST, struct.pack('>IHH', 0, 0, 5), 3, drep=b'\0\0\0\0'),
    }
    for name, p in pdus.items():
        write(out, 'fuzz_rpc_pdu', name, p)

    # fuzz_rpc_conn: flags byte (bit 0 object endpoint, bit 1 split), split byte, stream
    stub = ept_map_stub(OXID)
    streams = {
        'epm_map': (0, bind(1, EPM) + request(2, 3, stub)),
        'oxid_alive2': (0, bind(1, OXID) + request(2, 5, b'') + request(3, 3, b'\0' * 8)),
        # issue 9 defect 1: after a close decision, more PDUs in the same read
        'request_before_bind_then_alter': (0, request(1, 3, stub) + bind(2, EPM, ptype=ALTER)),
        'bind_unknown_group_then_alter': (0, bind(1, EPM, assoc=0x4321) + bind(2, EPM, ptype=ALTER)),
        'ntlm_bind_auth3_request': (1, bind(1, OXID, auth=(10, integ, 0, neg)) +
                                    pdu(AUTH3, b'\0\0\0\0', 1, auth=(10, integ, 0, auth_v2)) +
                                    request(2, 5, b'', auth=(10, integ, 0, sig))),
        'spnego_bind_alter': (0, bind(1, OXID, auth=(9, integ, 0, spnego_init(neg))) +
                              bind(2, OXID, ptype=ALTER,
                                   auth=(9, integ, 0, spnego_resp(auth_v2)))),
        'fragments': (2 | (128 << 8), bind(1, EPM) +
                      request(2, 3, stub[:24], flags=FIRST, hint=len(stub)) +
                      request(2, 3, stub[24:], flags=LAST, hint=len(stub) - 24)),
        'cancel_orphaned': (0, bind(1, OXID) + request(2, 5, b'', flags=FIRST) +
                            pdu(CO_CANCEL, b'', 2) + pdu(ORPHANED, b'', 2)),
        'alter_ndr64_reuse': (0, bind(1, EPM) + bind(2, EPM, ptype=ALTER, transfers=(NDR64, NDR))),
        'scm_object_port': (1, bind(1, SCM) + request(2, 4, b'\0' * 64)),
    }
    for name, (flags, s) in streams.items():
        write(out, 'fuzz_rpc_conn', name, bytes([flags & 0xff, flags >> 8]) + s)


# ---- NTLM and SPNEGO ---------------------------------------------------------

def spec_messages(path):
    """The hex dumps of MS-NLMP 4.2.x.3, by section: [(section, [bytes...])]."""
    text = open(path, encoding='utf-8').read()
    found = {}
    for sec in ('4.2.2.3', '4.2.3.3', '4.2.4.3'):
        start = text.index('<a id="Section_%s"></a>' % sec)
        end = text.index('<a id="Section_', start + 10)
        msgs, cur = [], None
        for line in text[start:end].splitlines():
            m = re.match(r'^([0-9A-Fa-f]{7}): ((?:[0-9a-f]{2} ?)+)', line)
            if not m:
                continue
            if int(m.group(1), 16) == 0:
                cur = bytearray()
                msgs.append(cur)
            cur += bytes.fromhex(m.group(2).replace(' ', ''))
        found[sec] = [bytes(b) for b in msgs]
    return found


def der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xff])
    return bytes([tag]) + length + content


NTLM_OID = der(0x06, bytes.fromhex('2b0601040182370202 0a'.replace(' ', '')))
SPNEGO_OID = der(0x06, bytes.fromhex('2b0601050502'))


def spnego_init(token):
    init = der(0x30, der(0xa0, der(0x30, NTLM_OID)) + der(0xa2, der(0x04, token)))
    return der(0x60, SPNEGO_OID + der(0xa0, init))


def spnego_resp(token, state=None, mic=None):
    body = b''
    if state is not None:
        body += der(0xa0, der(0x0a, bytes([state])))
    body += der(0xa2, der(0x04, token))
    if mic is not None:
        body += der(0xa3, der(0x04, mic))
    return der(0xa1, der(0x30, body))


def tokens(*toks):
    return b''.join(struct.pack('<H', len(t)) + t for t in toks)


def ntlm_seeds(out, spec):
    msgs = spec_messages(spec)
    # A NEGOTIATE like the spec's client's (flags of 4.2.4 plus target info).
    negotiate = b'NTLMSSP\0' + struct.pack('<II', 1, 0xe2888235 | 0x00800000) + bytes(16)
    v1_chal, v1_auth = msgs['4.2.2.3']
    ess_chal, ess_auth = msgs['4.2.3.3']
    v2_chal, v2_auth = msgs['4.2.4.3']
    ntlm = {'negotiate': negotiate, 'auth_v2': v2_auth}
    sig = struct.pack('<I', 1) + bytes(12)
    write(out, 'fuzz_ntlm', 'negotiate', tokens(negotiate))
    write(out, 'fuzz_ntlm', 'v1_4.2.2', tokens(negotiate, v1_auth))
    write(out, 'fuzz_ntlm', 'v1_ess_4.2.3', tokens(negotiate, ess_auth))
    write(out, 'fuzz_ntlm', 'v2_4.2.4', tokens(negotiate, v2_auth) + sig)
    # the challenges too: the message parsers see every token
    write(out, 'fuzz_ntlm', 'challenges', tokens(v1_chal, ess_chal, v2_chal))
    write(out, 'fuzz_spnego', 'init', tokens(spnego_init(negotiate)))
    write(out, 'fuzz_spnego', 'init_resp_v2',
          tokens(spnego_init(negotiate), spnego_resp(v2_auth, mic=bytes(16))) + sig)
    write(out, 'fuzz_spnego', 'init_resp_v1',
          tokens(spnego_init(negotiate), spnego_resp(v1_auth, state=1)))
    return ntlm


# ---- DCOM --------------------------------------------------------------------

def c_bytes(path, name):
    text = open(path).read()
    m = re.search(r'static const uint8_t %s\[\] = \{(.*?)\};' % name, text, re.S)
    return bytes(int(x, 16) for x in re.findall(r'0x([0-9a-fA-F]{2})', m.group(1)))


def dcom_seeds(out):
    blob = c_bytes(os.path.join(TOP, 'tests/unit/dcom/test_dcom_actprops.c'), 'impacket_request')
    write(out, 'fuzz_actprops', 'impacket_request', blob)
    write(out, 'fuzz_objref', 'custom_impacket', blob)
    # OBJREF_STANDARD: MEOW, flags 1, IID, STDOBJREF, a DUALSTRINGARRAY with one
    # ncacn_ip_tcp binding and one security binding (NTLM).
    strings = [struct.pack('<H', 7) + '127.0.0.1[1136]'.encode('utf-16-le') + b'\0\0', b'\0\0']
    sec_off = sum(len(s) for s in strings) // 2
    sec = [struct.pack('<HH', 10, 0xffff) + b'\0\0', b'\0\0']
    array = b''.join(strings + sec)
    std = struct.pack('<II', 0, 5) + struct.pack('<Q', 0x1122334455667788) + \
        struct.pack('<Q', 0x99aabbccddeeff00) + guid('00000000-0000-0000-c000-000000000046')
    objref = b'MEOW' + struct.pack('<I', 1) + guid('00000131-0000-0000-c000-000000000046') + \
        std + struct.pack('<HH', len(array) // 2, sec_off) + array
    write(out, 'fuzz_objref', 'standard', objref)


# ---- VHD, tgt, config, users ---------------------------------------------------

def vhd_seeds(out):
    try:
        with tempfile.TemporaryDirectory() as d:
            for sub, size in (('fixed', '4K'), ('dynamic', '1M')):
                p = os.path.join(d, sub + '.vhd')
                subprocess.run(['qemu-img', 'create', '-q', '-f', 'vpc', '-o',
                                'subformat=%s' % sub, p, size], check=True, timeout=30)
                data = open(p, 'rb').read()
                if sub == 'fixed':
                    # qemu rounds up to its smallest CHS geometry (34 KiB): keep
                    # 4 KiB of data and say so in the footer (flag 3 in front:
                    # fuzz_vhd recomputes the checksums)
                    footer = bytearray(data[-512:])
                    footer[40:56] = struct.pack('>QQ', 4096, 4096)
                    data = bytes(4096) + bytes(footer)
                write(out, 'fuzz_vhd', sub, b'\x03' + data)
    except (OSError, subprocess.SubprocessError) as e:
        print('make_seeds: no VHD seeds (%s)' % e, file=sys.stderr)


def c_strings(path):
    text = open(path).read()
    found = {}
    for m in re.finditer(r'static const char (\w+)\[\] =\s*((?:"(?:[^"\\]|\\.)*"\s*(?:/\*.*?\*/\s*)?)+);',
                         text, re.S):
        parts = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
        found.setdefault(m.group(1), []).append(
            ''.join(parts).encode().decode('unicode_escape').encode('latin-1'))
    return found


def text_seeds(out):
    for name, values in c_strings(os.path.join(TOP, 'tests/unit/backend/test_tgt_parse.c')).items():
        for i, v in enumerate(values):
            write(out, 'fuzz_tgt_parse', '%s_%d' % (name, i), v)
    write(out, 'fuzz_tgt_parse', 'portals', b'Portal: 127.0.0.1:3260,1\nPortal: [::1]:3260,1\n')
    write(out, 'fuzz_tgt_parse', 'params',
          b'MaxRecvDataSegmentLength=8192\nHeaderDigest=None\nImmediateData=Yes\n')
    write(out, 'fuzz_config', 'istmd.conf', open(os.path.join(TOP, 'conf/istmd.conf'), 'rb').read())
    write(out, 'fuzz_config', 'small', b'[rpc]\nlisten = 127.0.0.1, ::1\nmin_auth_level = privacy\n'
          b'max_pdu_size = 5840\n# comment\n[auth]\nusers_file = /etc/istmd/users\n'
          b'allow_ntlmv1 = no\n[log]\nlevel = debug\n')
    write(out, 'fuzz_users_file', 'users',
          b'# istmd users file (docs/auth.md): NAME:ROLE:NTHASH\n'
          b'alice:admin:a4f49c406510bdcab6824ee7c30fd852\n'
          b'bob:user:8846f7eaee8fb117ad06bdd830b7586c\n\n')


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(HERE, 'corpus')
    ntlm = ntlm_seeds(out, sys.argv[1])
    rpc_seeds(out, ntlm)
    dcom_seeds(out)
    vhd_seeds(out)
    text_seeds(out)


if __name__ == '__main__':
    main()
