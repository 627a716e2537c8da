#!/usr/bin/python3
"""`istmctl import lio` against a real LIO (issue 15 item 5): rtslib-fb
(Debian's python3-rtslib-fb, targetcli's library, from the host's root, run
in the guest: rtslib_setup.py) sets up a target the way an administrator
would, with a fileio backstore over a
fixed VHD, a node ACL with CHAP and a mapped LUN, and saves
saveconfig.json; then:

- the dry run plans the target and changes nothing;
- --apply records it, but while targetcli's WWN is there istmd leaves it
  alone (it did not create it) and serves nothing under that name;
- after a clearconfig the next reconcile pass creates istmd's own
  WWN: the initiator logs in with the imported CHAP secret, reads the VHD's
  virtual size and data written through it lands in the VHD file.

    lio_import.py --istmd PATH --istmctl PATH --iscsi PATH --addr 127.0.16.N
        --tgt-port N --backend lio --lio-cache DIR
"""
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration", "e2e"))
from e2e_env import Env  # noqa: E402

TARGET = "iqn.2024-05.com.example.lio:files"
INI = "iqn.1993-08.org.debian:01:lio-client"
CHAP = ("liouser", "lio-secret-1234")
SIZE = 16 << 20
CFS = "/sys/kernel/config/target"
RTS = os.path.join(HERE, "rtslib_setup.py")


def state(env):
    out = {}
    for t in env.istmctl("target", "list", "--json", json_out=True)["targets"]:
        out[t["iqn"]] = t
    return out


def wait_until(cond, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.5)
    return cond()


def body(env):
    if not os.path.isdir("/usr/lib/python3/dist-packages/rtslib_fb"):
        print("# skip: rtslib-fb is not installed (Debian python3-rtslib-fb)", flush=True)
        raise SystemExit(77)
    vhd = os.path.join(env.storage, "files.vhd")
    subprocess.run(["qemu-img", "create", "-q", "-f", "vpc", "-o",
                    "subformat=fixed,force_size=on", vhd, "16M"], check=True, timeout=30)
    save = os.path.join(env.dir, "saveconfig.json")
    rc, out = env.guest.run("/usr/bin/python3 %s setup %s %s %s %s %s %s"
                            % (RTS, vhd, save, TARGET, INI, CHAP[0], CHAP[1]), timeout=120)
    env.check(rc == 0 and os.path.exists(save), "rtslib (targetcli's library) made a target "
              "and saved saveconfig.json: %s" % out.strip()[-300:])
    rc, out = env.initiator(TARGET, INI, "capacity", "0", chap=CHAP)
    env.check(rc == 0, "targetcli's target serves LUN 0 (%s)" % out.strip())

    out = env.istmctl("import", "lio", save)
    env.check("dry run" in out and TARGET in out, "the dry run plans the target: %s"
              % out.strip().splitlines()[:3])
    env.check(state(env) == {}, "the dry run changed nothing")
    out = env.istmctl("import", "lio", save, "--apply")
    got = state(env)
    env.check(TARGET in got, "--apply records the target: %s" % out.strip().splitlines()[-1:])
    t = got[TARGET]
    env.check(t["chap"]["enabled"] and t["chap"]["user"] == CHAP[0]
              and [(i["method"], i["value"]) for i in t["initiators"]] == [("iqn", INI)]
              and [l["lun"] for l in t["luns"]] == [1],
              "CHAP user, the initiator and the LUN (0 becomes 1) are carried over")
    time.sleep(6)  # a reconcile pass (reconcile_interval = 5)
    owned = open(os.path.join(env.state, "lio-owned")).read().split() \
        if os.path.exists(os.path.join(env.state, "lio-owned")) else []
    env.check(TARGET not in owned, "istmd does not take targetcli's WWN over")
    rc, out = env.initiator(TARGET, INI, "capacity", "0", chap=CHAP)
    env.check(rc == 0, "targetcli's target still serves its LUN 0")
    env.check("was not created by istmd" in env.log_tail(0, 10**6),
              "istmd's log says why it leaves the WWN alone")

    rc, out = env.guest.run("/usr/bin/python3 %s clear" % RTS, timeout=120)
    env.check(rc == 0, "the administrator clears LIO (targetcli clearconfig): %s"
              % out.strip()[-200:])
    env.check(wait_until(lambda: env.initiator(TARGET, INI, "capacity", "1", chap=CHAP)[0] == 0,
                         30), "within 30 s istmd serves the imported target itself")
    rc, out = env.initiator(TARGET, INI, "capacity", "1", chap=CHAP)
    env.check(out.split()[0] == str(SIZE), "LUN 1 has the VHD's virtual size: %s" % out.strip())
    rc, _ = env.initiator(TARGET, INI, "login", chap=(CHAP[0], "wrong-secret-000"))
    env.check(rc == 3, "a wrong secret is refused")
    data = os.urandom(4096)
    src = os.path.join(env.dir, "data")
    with open(src, "wb") as f:
        f.write(data)
    rc, out = env.initiator(TARGET, INI, "write", "1", "100", src, chap=CHAP)
    env.check(rc == 0, "8 blocks written at LBA 100")
    with open(vhd, "rb") as f:
        f.seek(100 * 512)
        env.check(f.read(4096) == data, "the data is in the VHD at byte 100 * 512")
        f.seek(SIZE)
        env.check(f.read()[:8] == b"conectix", "the footer is intact")
    owned = open(os.path.join(env.state, "lio-owned")).read().split()
    env.check(TARGET in owned, "istmd owns the WWN it created")


if __name__ == "__main__":
    raise SystemExit(Env(__doc__).finish(body))
