#!/usr/bin/python3
"""istmctl end to end (docs/istmctl.md), against istmd and a real tgtd: every
command, its JSON and exit codes, and an initiator logging in with exactly
what istmctl configured (allowed IQN, one-way and mutual CHAP)."""
import os

from e2e_env import Env, skip_unless_possible

MIB = 1 << 20
GOOD_IQN = "iqn.2024-01.org.example:good"
OTHER_IQN = "iqn.2024-01.org.example:other"
CHAP = ("ini-user", "ini-secret-0123")
MUTUAL = ("tgt-user", "tgt-secret-4567")


def body(env):
    vhd = os.path.join(env.storage, "a.vhd")
    info = env.istmctl("info", "--json", json_out=True)
    env.check(info["name"] == "e2e" and len(info["guid"]) == 36, "info --json: %s" % info)

    # disks
    d = env.istmctl("disk", "create", vhd, "--size", "64M", "--description", "first",
                    "--json", json_out=True)
    env.check(d["size"] == 64 * MIB and d["vhd_type"] == "fixed" and d["description"] == "first"
              and d["path"] == "D:\\a.vhd" and d["assigned"] is False,
              "disk create --json: %s" % d)
    wtd = d["wtd"]
    env.check(os.path.getsize(vhd) == 64 * MIB + 512, "the VHD file is 64 MiB + its footer")
    out = env.istmctl("disk", "create", vhd, "--size", "64M", expect=5)
    env.check("ERROR_DEVICE_IN_USE" in out, "a file a disk uses: exit 5: " + out.strip())
    junk = os.path.join(env.storage, "junk.vhd")
    with open(junk, "wb") as f:
        f.write(b"not a VHD" * 1000)
    out = env.istmctl("disk", "create", junk, "--size", "64M", expect=3)
    env.check("already exists" in out, "disk create over an existing file: exit 3: " + out.strip())
    out = env.istmctl("disk", "create", junk, expect=7)
    env.check("not a valid VHD" in out, "registering a file that is not a VHD: " + out.strip())
    os.unlink(junk)
    out = env.istmctl("disk", "create", os.path.join(env.storage, "missing.vhd"), expect=4)
    env.check("does not exist" in out, "registering a missing file: exit 4")
    out = env.istmctl("disk", "create", "/etc/passwd", "--size", "64M", expect=6)
    env.check("storage root" in out, "a path outside the storage roots: " + out.strip())

    # targets
    t = env.istmctl("target", "create", "t1", "--description", "e2e target", "--json",
                    json_out=True)
    env.check(t["name"] == "t1" and t["iqn"].endswith(":e2e-t1-target") and t["enabled"]
              and t["initiators"] == [] and t["luns"] == [], "target create --json")
    iqn = t["iqn"]
    out = env.istmctl("target", "create", "T1", expect=3)
    env.check("already exists" in out, "a second target named T1 (names fold case): exit 3")
    env.istmctl("target", "create", "bad name", expect=7)
    env.ok("an invalid target name: exit 7")

    t = env.istmctl("map", "t1", vhd, "--json", json_out=True)  # by POSIX path
    env.check(t["luns"] == [{"lun": 1, "wtd": wtd}], "map by POSIX path: LUN 1")
    out = env.istmctl("map", "t1", "D:\\missing.vhd", expect=4)
    env.check("no virtual disk" in out, "map a path no disk has: exit 4")
    out = env.istmctl("map", "t1", "999", expect=4)
    env.check("no such virtual disk" in out, "map an unknown WTD index: exit 4")

    rc, out = env.initiator(iqn, GOOD_IQN, "login")
    env.check(rc == 3, "nobody is allowed yet: login refused")
    t = env.istmctl("allow", "t1", GOOD_IQN, "10.9.8.0/24", "--json", json_out=True)
    env.check(t["initiators"] == [{"method": "iqn", "value": GOOD_IQN},
                                  {"method": "ip", "value": "10.9.8.0/24"}],
              "allow: the IQN and an address range")
    rc, out = env.initiator(iqn, GOOD_IQN, "capacity", "1")
    env.check(rc == 0 and out.split()[0] == str(64 * MIB),
              "the allowed IQN logs in; LUN 1 is exactly the virtual size: " + out.strip())
    rc, out = env.initiator(iqn, OTHER_IQN, "login")
    env.check(rc == 3, "another IQN is refused")

    # one-way CHAP: the password comes from the file, the secret from stdin
    out = env.istmctl("chap", "t1", "--user", CHAP[0], stdin=CHAP[1] + "\n")
    env.check(CHAP[1] not in out and "one-way CHAP is on" in out, "chap: " + out.strip())
    rc, _ = env.initiator(iqn, GOOD_IQN, "login")
    env.check(rc == 3, "without CHAP the login is refused")
    rc, _ = env.initiator(iqn, GOOD_IQN, "login", chap=(CHAP[0], "wrong-secret-000"))
    env.check(rc == 3, "a wrong CHAP secret is refused")
    rc, _ = env.initiator(iqn, GOOD_IQN, "login", chap=CHAP)
    env.check(rc == 0, "one-way CHAP logs in")

    secret_file = os.path.join(env.dir, "mutual-secret")
    with open(secret_file, "w") as f:
        f.write(MUTUAL[1] + "\n")
    out = env.istmctl("chap", "t1", "--mutual", "--user", MUTUAL[0], "--secret-file",
                      secret_file)
    env.check(MUTUAL[1] not in out, "chap --mutual with the secret in a file")
    rc, _ = env.initiator(iqn, GOOD_IQN, "login", chap=CHAP, mutual=MUTUAL)
    env.check(rc == 0, "mutual CHAP logs in")
    rc, _ = env.initiator(iqn, GOOD_IQN, "login", chap=CHAP, mutual=(MUTUAL[0], "not-the-target1"))
    env.check(rc == 3, "the initiator refuses a target that answers with another secret")
    out = env.istmctl("chap", "t1", "--mutual", "--user", MUTUAL[0], stdin=CHAP[1] + "\n",
                      expect=3)
    env.check("must differ" in out and CHAP[1] not in out,
              "the same secret both ways is refused: " + out.strip())
    out = env.istmctl("chap", "t1", "--user", "u", stdin="short\n", expect=7)
    env.check("ERROR_BAD_LENGTH" in out and "short" not in out, "a short secret: exit 7")

    listed = env.istmctl("target", "list", "--json", json_out=True)["targets"]
    env.check(len(listed) == 1 and listed[0]["chap"] == {"enabled": True, "user": CHAP[0]}
              and listed[0]["mutual_chap"] == {"enabled": True, "user": MUTUAL[0]}
              and listed[0]["luns"] == [{"lun": 1, "wtd": wtd}],
              "target list --json: CHAP users, never secrets")
    text = env.istmctl("--json", "target", "show", iqn)
    env.check(CHAP[1] not in text and MUTUAL[1] not in text, "target show by IQN, no secret")
    disks = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
    env.check(len(disks) == 1 and disks[0]["assigned"] and disks[0]["status"] == "in-use",
              "disk list --json: assigned, in use")

    t = env.istmctl("chap", "t1", "--off", "--mutual", "--json", json_out=True)
    env.check(t["chap"]["enabled"] and not t["mutual_chap"]["enabled"], "chap --off --mutual")
    t = env.istmctl("chap", "t1", "--off", "--json", json_out=True)
    env.check(not t["chap"]["enabled"], "chap --off")
    t = env.istmctl("deny", "t1", GOOD_IQN, "--json", json_out=True)
    env.check(t["initiators"] == [{"method": "ip", "value": "10.9.8.0/24"}], "deny the IQN")
    rc, _ = env.initiator(iqn, GOOD_IQN, "login")
    env.check(rc == 3, "a denied IQN cannot log in any more")
    t = env.istmctl("unmap", "t1", str(wtd), "--json", json_out=True)
    env.check(t["luns"] == [], "unmap")

    env.istmctl("target", "delete", iqn)  # by IQN
    env.check(env.istmctl("target", "list", "--json", json_out=True)["targets"] == [],
              "target delete by IQN")
    out = env.istmctl("target", "delete", "t1", expect=4)
    env.check("no such target" in out, "deleting it again: exit 4")
    r = env.istmctl("disk", "delete", "D:\\a.vhd", "--delete-file", "--json", json_out=True)
    env.check(r == {"wtd": wtd, "path": "D:\\a.vhd", "deleted": True, "file_deleted": True},
              "disk delete --delete-file: %s" % r)
    env.check(not os.path.exists(vhd), "the VHD file is gone")
    env.check(env.istmctl("disk", "list", "--json", json_out=True)["disks"] == [], "no disks")
    env.check(env.loops() == {}, "no loop device left over the test's files")


if __name__ == "__main__":
    skip_unless_possible()
    raise SystemExit(Env(__doc__).finish(body))
