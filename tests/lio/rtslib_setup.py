#!/usr/bin/python3
"""Run in the LIO guest by lio_import.py: sets up a target with rtslib-fb,
the library targetcli is built on (targetcli itself wants its targetclid
socket), as an administrator would, and saves saveconfig.json.

    rtslib_setup.py setup VHD SAVEFILE TARGET_IQN INITIATOR_IQN USER SECRET
    rtslib_setup.py clear      (targetcli clearconfig)
"""
import os
import sys

from rtslib_fb import (FabricModule, FileIOStorageObject, LUN, MappedLUN, NetworkPortal,
                       NodeACL, RTSRoot, Target, TPG)

if sys.argv[1] == "clear":
    RTSRoot().clear_existing(confirm=True)
    print("cleared")
    sys.exit(0)
vhd, save, iqn, ini, user, secret = sys.argv[2:8]
so = FileIOStorageObject("files", dev=vhd, size=os.path.getsize(vhd))
t = Target(FabricModule("iscsi"), iqn)
tpg = TPG(t, 1)
NetworkPortal(tpg, "10.0.2.15", 3260)
lun = LUN(tpg, 0, so)
acl = NodeACL(tpg, ini)
acl.chap_userid = user
acl.chap_password = secret
MappedLUN(acl, 0, lun)
tpg.set_attribute("authentication", "1")
tpg.enable = True
RTSRoot().save_to_file(save)
print("saved")
