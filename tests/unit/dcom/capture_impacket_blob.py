#!/usr/bin/python3
"""Prints, as C byte initializers, the activation properties (the abData of
pActProperties) impacket's IRemoteSCMActivator::RemoteCreateInstance sends for
IWTGeneral's class: the golden bytes of test_dcom_actprops.c. Nothing is sent
anywhere: the request is caught before it leaves."""
from impacket.dcerpc.v5 import dcomrt
from impacket.uuid import string_to_bin, uuidtup_to_bin
captured = {}
class FakeDce:
    def bind(self, iid): pass
    def request(self, req):
        captured['data'] = bytes(req['pActProperties']['abData'])
        raise SystemExit
scm = dcomrt.IRemoteSCMActivator(FakeDce())
try:
    scm.RemoteCreateInstance(string_to_bin('baa4a577-202d-49c7-a6bb-10ee914ee199'),
                             uuidtup_to_bin(('d71b2cae-33e8-4567-ae96-3ccf31620be2','0.0')))
except SystemExit:
    pass
d = captured['data']
print(len(d))
for i in range(0, len(d), 16):
    print('\t' + ' '.join('0x%02x,' % b for b in d[i:i+16]))
