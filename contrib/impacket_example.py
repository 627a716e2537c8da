#!/usr/bin/python3
"""The smallest MS-ISTM client on impacket (Debian's python3-impacket; run it
with /usr/bin/python3): activates WTGeneral (MS-ISTM 3.52) and prints the
server's name and GUID.

    /usr/bin/python3 contrib/impacket_example.py ADDRESS[:PORT] USER PASSWORD_FILE

PORT is istmd's endpoint mapper port (135 unless [rpc] endpoint_mapper_port
says otherwise). impacket dials 135 unless it is told another port; for any
other port this script pre-seeds impacket's resolver table.
"""
import sys

from impacket.dcerpc.v5.dcomrt import DCOMANSWER, DCOMCALL, DCOMConnection
from impacket.dcerpc.v5.dtypes import BSTR, GUID, ULONG
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY
from impacket.uuid import bin_to_string, string_to_bin, uuidtup_to_bin

CLSID_WTGENERAL = "baa4a577-202d-49c7-a6bb-10ee914ee199"   # MS-ISTM 1.9
IID_IWTGENERAL = "d71b2cae-33e8-4567-ae96-3ccf31620be2"    # MS-ISTM 3.52


class GetGuid(DCOMCALL):            # IWTGeneral::get_Guid, opnum 3
    opnum = 3
    structure = ()


class GetGuidResponse(DCOMANSWER):
    structure = (("pGuid", GUID), ("ErrorCode", ULONG))


class GetName(DCOMCALL):            # IWTGeneral::get_Name, opnum 4
    opnum = 4
    structure = ()


class GetNameResponse(DCOMANSWER):
    structure = (("pName", BSTR), ("ErrorCode", ULONG))


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    target, user, password_file = sys.argv[1:]
    addr, _, port = target.partition(":")
    if port == "135":
        port = ""
    with open(password_file) as f:
        password = f.readline().rstrip("\n")
    dcom = DCOMConnection("%s[%s]" % (addr, port) if port else addr, user, password,
                          authLevel=RPC_C_AUTHN_LEVEL_PKT_PRIVACY, oxidResolver=True)
    if port:
        # impacket looks the OXID resolver up by the bare address (and would
        # dial 135): point it at this connection.
        DCOMConnection.PORTMAPS[addr] = dcom.get_dce_rpc()
    try:
        iid = uuidtup_to_bin((IID_IWTGENERAL, "0.0"))
        general = dcom.CoCreateInstanceEx(string_to_bin(CLSID_WTGENERAL), iid)
        for req, field in ((GetName(), "pName"), (GetGuid(), "pGuid")):
            req["ORPCthis"] = general.get_cinstance().get_ORPCthis()
            req["ORPCthis"]["flags"] = 0
            general.connect(iid)
            ans = general.get_dce_rpc().request(req, general.get_iPid())
            if field == "pName":
                print("name: %s" % ans[field])
            else:
                print("guid: %s" % bin_to_string(ans[field]).lower())
    finally:
        if port:
            DCOMConnection.PORTMAPS.pop(addr, None)
        try:
            dcom.disconnect()
        except KeyError:
            pass    # impacket keeps its ping set under another key for "ADDRESS[PORT]"
        if DCOMConnection.PINGTIMER is not None:   # or its pinger thread keeps us alive
            DCOMConnection.PINGTIMER.cancel()


if __name__ == "__main__":
    main()
