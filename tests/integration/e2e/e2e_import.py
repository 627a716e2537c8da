#!/usr/bin/python3
"""Issue 10, "never destroy what istmd does not own", against a real istmd
and tgtd:

  1. a tgtd with a target istmd does not own and an empty database: istmd
     exits non-zero before serving and the target is untouched; --adopt with
     a LUN it cannot carry over (a raw file) refuses and changes nothing;
     --adopt of a fixed VHD target imports it (target list) and tgtd keeps
     it; with a database that has targets, a foreign target is removed
     (the documented behaviour); with tgtd down at a first start, a target
     found there later is left alone;
  2. istmctl import tgt (targets.conf with a conf.d include) and import lio
     (targetcli's saveconfig.json) from tests/integration/e2e/import_samples:
     dry run changes nothing, --apply creates the targets, disks, ACLs and
     CHAP, reports what cannot be carried over, a second run keeps
     everything; both sources give the same targets; CHAP works at login;
     istmctl import tgt --from-tgtd reads a running tgtd;
  3. istmctl config export -> a fresh daemon -> config import gives the same
     state, twice is harmless, and an export without secrets imports with
     its CHAP targets disabled and reported.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_env  # noqa: E402
from e2e_env import Env, Failure  # noqa: E402

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "import_samples")
MIB = 1024 * 1024
WEB = "iqn.2024-05.com.example.files:web"
DB = "iqn.2024-05.com.example.files:db"
BACKUP = "iqn.2024-05.com.example.files:backup"
FOREIGN = "iqn.2024-05.com.example.foreign:old"
RAWTGT = "iqn.2024-05.com.example.foreign:raw"
TWIN = "iqn.2024-05.com.example.twin:old"
WEB01 = "iqn.1993-08.org.debian:01:web01"


def tgtadm(env, *args, port=None):
    r = subprocess.run([e2e_env.TGTADM, "-C", str(port or env.tgt_port), "--lld", "iscsi"]
                       + list(args), capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        raise Failure("tgtadm %s: %s" % (" ".join(args), r.stderr))


def make_vhd(env, name):
    path = os.path.join(env.storage, name)
    subprocess.run(["qemu-img", "create", "-q", "-f", "vpc", "-o",
                    "subformat=fixed,force_size=on", path, "16M"], check=True, timeout=30)
    return path


def make_raw(env, name):
    path = os.path.join(env.storage, name)
    with open(path, "wb") as f:
        f.truncate(16 * MIB)
    return path


def istmd_refuses(env, *args):
    """Runs istmd expecting it to exit non-zero before it serves; its log."""
    env.write_conf()
    start = os.path.getsize(env.log) if os.path.exists(env.log) else 0
    with open(env.log, "a") as log:
        p = subprocess.Popen([env.args.istmd, "--config", env.conf, "--foreground"] + list(args),
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             preexec_fn=e2e_env._die_with_parent)
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        time.sleep(1)  # let it show what it does to the foreign targets
        p.kill()
        p.wait()
        print("# tgtd now has:\n" + env.tgt_show())
        rc = None
    text = env.log_tail(start, 200)
    env.check(rc is not None and rc != 0 and not re.search(r"istmd \S+ started: ", text),
              "istmd %s exits with %s before serving" % (" ".join(args), rc))
    return text


def fresh_daemon(env):
    """A new istmd with an empty database on a new tgtd (the files stay)."""
    env.stop_istmd()
    env.kill_tgtd()
    env.detach_loops()
    shutil.rmtree(env.state, ignore_errors=True)
    env.start_tgtd()
    env.start_istmd()


def state(env, only=None):
    """Targets as comparable values: LUNs by file name, not WTD."""
    disks = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
    path_of = {d["wtd"]: d["path"] for d in disks}
    out = {}
    for t in env.istmctl("target", "list", "--json", json_out=True)["targets"]:
        if only and t["iqn"] not in only:
            continue
        out[t["name"]] = {
            "iqn": t["iqn"], "enabled": t["enabled"], "description": t["description"],
            "chap": t["chap"], "mutual_chap": t["mutual_chap"],
            "initiators": sorted((i["method"], i["value"]) for i in t["initiators"]),
            "luns": sorted((l["lun"], path_of[l["wtd"]]) for l in t["luns"]),
            "parameters": t["parameters"],
        }
    return out


def sample(env, rel):
    """A sample file with @STORAGE@ set, under the test's directory."""
    src = os.path.join(SAMPLES, rel)
    dst = os.path.join(env.dir, "samples", rel)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(src) as f:
        text = f.read().replace("@STORAGE@", env.storage)
    with open(dst, "w") as f:
        f.write(text)
    return dst


# ---- 1. foreign targets at start-up -------------------------------------------------------

def foreign_targets(env):
    env.stop_istmd()
    vhd = make_vhd(env, "old.vhd")
    raw = make_raw(env, "old-raw.img")
    tgtadm(env, "--mode", "target", "--op", "new", "--tid", "1", "--targetname", FOREIGN)
    tgtadm(env, "--mode", "logicalunit", "--op", "new", "--tid", "1", "--lun", "1",
           "--backing-store", vhd)
    tgtadm(env, "--mode", "target", "--op", "bind", "--tid", "1", "--initiator-address",
           "127.0.0.1")
    tgtadm(env, "--mode", "target", "--op", "bind", "--tid", "1", "--initiator-name", WEB01)
    tgtadm(env, "--mode", "target", "--op", "new", "--tid", "2", "--targetname", RAWTGT)
    tgtadm(env, "--mode", "logicalunit", "--op", "new", "--tid", "2", "--lun", "1",
           "--backing-store", raw)

    log = istmd_refuses(env)
    env.check("refusing to start" in log and FOREIGN in log and "--adopt" in log,
              "the refusal names the foreign targets and --adopt")
    show = env.tgt_show()
    env.check(FOREIGN in show and RAWTGT in show and vhd in show,
              "tgtd keeps the foreign targets and their LUNs")

    log = istmd_refuses(env, "--adopt")
    env.check("raw file, not a VHD" in log and "nothing was changed" in log,
              "--adopt refuses a raw-file LUN and says so")
    env.check(not os.path.exists(os.path.join(env.state, "istmd.db")) or
              "0 target(s)" in log, "the refused adoption wrote no target")
    env.check(RAWTGT in env.tgt_show(), "the raw target is untouched in tgtd")

    tgtadm(env, "--mode", "target", "--op", "delete", "--force", "--tid", "2")
    tgtadm(env, "--mode", "target", "--op", "new", "--tid", "3", "--targetname", TWIN)
    env.start_istmd("--adopt")
    names = sorted(t["name"] for t in env.istmctl("target", "list", "--json",
                                                   json_out=True)["targets"])
    env.check(names == sorted(["old", TWIN]), "a second IQN ending alike is named by its IQN")
    t = env.istmctl("target", "show", FOREIGN, "--json", json_out=True)
    env.check(t["name"] == "old" and t["iqn"] == FOREIGN and len(t["luns"]) == 1
              and t["luns"][0]["lun"] == 1, "--adopt imports the target with its LUN")
    env.check(sorted((i["method"], i["value"]) for i in t["initiators"])
              == [("ip", "127.0.0.1"), ("iqn", WEB01)], "--adopt imports its ACL")
    d = env.istmctl("disk", "list", "--json", json_out=True)["disks"]
    env.check(len(d) == 1 and d[0]["path"].endswith("old.vhd"), "the VHD became a disk")
    time.sleep(1)
    show = env.tgt_show()
    env.check(FOREIGN in show and "127.0.0.1" in show and WEB01 in show,
              "tgtd still serves the adopted target with its ACL")
    rc, out = env.initiator(FOREIGN, WEB01, "capacity", "1")
    env.check(rc == 0 and str(16 * MIB) in out, "an initiator sees the adopted LUN: " + out)

    # A database with targets: istmd owns its tgtd (docs/tgt-backend.md).
    env.stop_istmd()
    tgtadm(env, "--mode", "target", "--op", "new", "--tid", "9", "--targetname", RAWTGT)
    env.start_istmd()
    deadline = time.monotonic() + 20
    while RAWTGT in env.tgt_show() and time.monotonic() < deadline:
        time.sleep(0.2)
    env.check(RAWTGT not in env.tgt_show() and FOREIGN in env.tgt_show() and TWIN in env.tgt_show(),
              "with a non-empty database a foreign target is removed, its own stays")

    # An empty database and tgtd down at start: istmd cannot look, so it
    # leaves alone whatever it later finds there.
    env.stop_istmd()
    env.kill_tgtd()
    env.detach_loops()
    shutil.rmtree(env.state, ignore_errors=True)
    env.start_istmd()
    env.start_tgtd()
    tgtadm(env, "--mode", "target", "--op", "new", "--tid", "1", "--targetname", FOREIGN)
    env.istmctl("target", "create", "mine")
    time.sleep(7)  # the UP event's full pass and a periodic one (reconcile_interval = 5)
    show = env.tgt_show()
    env.check(FOREIGN in show and "-mine-target" in show,
              "tgtd down at a first start: a target found later is left alone")


# ---- 2. import tgt / lio ------------------------------------------------------------------

def imports(env):
    for name in ("web.vhd", "backup.vhd", "db-data.vhd", "db-logs.vhd"):
        make_vhd(env, name)
    make_raw(env, "scratch.img")
    conf = sample(env, "tgt/targets.conf")
    sample(env, "tgt/conf.d/db.conf")
    lio = sample(env, "lio/saveconfig.json")

    fresh_daemon(env)
    out = env.istmctl("import", "tgt", "--config", conf, expect=1)
    env.check("dry run" in out and "+ target 'web'" in out and "+ target 'db'" in out,
              "import tgt prints the plan")
    env.check(re.search(r"cannot carry over: '[^']*scratch.img': a raw file, not a VHD", out)
              and "/dev/sdz: a raw device passed through" in out,
              "the plan says which LUNs cannot be carried over and why")
    env.check(env.istmctl("target", "list", "--json", json_out=True)["targets"] == [],
              "the dry run changed nothing")
    out = env.istmctl("import", "tgt", "--config", conf, "--apply", expect=1)
    env.check("cannot carry over" in out, "--apply reports what it could not do")
    got = state(env)
    env.check(sorted(got) == ["backup", "db", "web"], "import tgt created the three targets")
    db, web, backup = got["db"], got["web"], got["backup"]
    env.check([(l, p.rsplit("\\", 1)[-1]) for l, p in db["luns"]]
              == [(1, "db-data.vhd"), (2, "db-logs.vhd")], "db's LUNs: %r" % db["luns"])
    env.check(db["chap"] == {"enabled": True, "user": "dbuser"} and
              db["mutual_chap"] == {"enabled": True, "user": "dbtarget"},
              "db has CHAP and mutual CHAP")
    env.check(web["initiators"] == [("iqn", WEB01), ("iqn", "iqn.1993-08.org.debian:01:web02")]
              and web["chap"]["user"] == "webuser", "web's initiators and CHAP")
    env.check(backup["initiators"] == [("ip", "127.0.0.1"), ("ip", "192.168.10.0/24")]
              and not backup["chap"]["enabled"], "backup's addresses")
    rc, out = env.initiator(WEB, WEB01, "login", chap=("webuser", "web-secret-123"))
    env.check(rc == 0, "the imported CHAP secret lets web01 log in: " + out)
    rc, _ = env.initiator(WEB, WEB01, "login")
    env.check(rc == 3, "without CHAP web01 is refused")
    out = env.istmctl("import", "tgt", "--config", conf, "--apply", expect=1)
    env.check("0 target(s) created, 0 changed, 3 unchanged" in out, "a second import keeps all")
    from_tgt = state(env, (WEB, DB))

    # --from-tgtd: a second tgtd as an admin left it.
    other = subprocess.Popen([e2e_env.TGTD, "-f", "-C", str(env.tgt_port + 1), "--iscsi",
                              "portal=%s:3261" % env.addr], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, preexec_fn=e2e_env._die_with_parent)
    try:
        deadline = time.monotonic() + 5
        while subprocess.run([e2e_env.TGTADM, "-C", str(env.tgt_port + 1), "--mode", "system",
                              "--op", "show"], capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise Failure("the second tgtd does not answer")
            time.sleep(0.05)
        p = env.tgt_port + 1
        tgtadm(env, "--mode", "target", "--op", "new", "--tid", "1", "--targetname",
               "iqn.2024-05.com.example.live:one", port=p)
        tgtadm(env, "--mode", "logicalunit", "--op", "new", "--tid", "1", "--lun", "1",
               "--backing-store", os.path.join(env.storage, "web.vhd"), port=p)
        tgtadm(env, "--mode", "target", "--op", "bind", "--tid", "1", "--initiator-name",
               WEB01, port=p)
        tgtadm(env, "--mode", "account", "--op", "new", "--user", "liveuser", "--password",
               "live-secret-123", port=p)
        tgtadm(env, "--mode", "account", "--op", "bind", "--tid", "1", "--user", "liveuser",
               port=p)
        r = env.istmctl("import", "tgt", "--from-tgtd", str(p), "--json", expect=1,
                        json_out=False)
        plan = json.loads(r[:r.rindex("}") + 1])
        env.check(not plan["applied"] and "+ target 'one' (iqn.2024-05.com.example.live:one), "
                  "disabled" in plan["actions"] and
                  any("liveuser" in x and "secret is not in" in x
                      for x in plan["not_carried_over"]),
                  "--from-tgtd plans the live target, disabled until its CHAP secret is set")
    finally:
        other.kill()
        other.wait(timeout=10)

    fresh_daemon(env)
    out = env.istmctl("import", "lio", lio, "--apply", expect=1)
    env.check("/dev/sdz: a raw block device" in out or "'/dev/sdz': a raw block device" in out,
              "import lio reports the block backstore")
    env.check("LUNs 0.. become 1.." in out, "import lio notes the LUN renumbering")
    from_lio = state(env, (WEB, DB))
    if from_lio != from_tgt:
        print("# from lio: %r\n# from tgt: %r" % (from_lio, from_tgt))
    env.check(from_lio == from_tgt, "import lio gives the same targets as import tgt")
    return conf


# ---- 3. config export / import ------------------------------------------------------------

def round_trip(env, conf):
    fresh_daemon(env)
    env.istmctl("import", "tgt", "--config", conf, "--apply", expect=1)
    before = state(env)
    disks_before = sorted((d["path"], d["description"])
                          for d in env.istmctl("disk", "list", "--json",
                                               json_out=True)["disks"])
    r = subprocess.run([env.args.istmctl, "--server", env.server(), "--user", e2e_env.ADMIN,
                        "--password-file", env.password_file, "config", "export"],
                       capture_output=True, text=True, timeout=60)
    plain = json.loads(r.stdout)
    env.check(r.returncode == 0 and "web-secret" not in r.stdout and
              "CHAP secret of target 'web' is left out" in r.stderr and
              plain["secrets"] == "omitted", "export leaves the secrets out and says so")
    full = env.istmctl("config", "export", "--with-secrets", json_out=True)
    env.check([t["chap"]["secret"] for t in full["targets"] if t["name"] == "db"]
              == ["db-secret-4567"], "--with-secrets includes them")
    path = os.path.join(env.dir, "export.json")
    with open(path, "w") as f:
        json.dump(full, f)
    plain_path = os.path.join(env.dir, "export-plain.json")
    with open(plain_path, "w") as f:
        json.dump(plain, f)

    fresh_daemon(env)
    out = env.istmctl("config", "import", path, "--dry-run")
    env.check(env.istmctl("target", "list", "--json", json_out=True)["targets"] == [],
              "config import --dry-run changes nothing")
    env.istmctl("config", "import", path)
    env.check(state(env) == before, "export -> fresh daemon -> import: the same targets")
    disks_after = sorted((d["path"], d["description"])
                         for d in env.istmctl("disk", "list", "--json",
                                              json_out=True)["disks"])
    env.check(disks_after == disks_before, "and the same disks")
    out = env.istmctl("config", "import", path)
    env.check("0 target(s) created, 0 changed, 3 unchanged" in out, "importing again keeps all")
    rc, out = env.initiator(DB, "iqn.1993-08.org.debian:01:db01", "login",
                            chap=("dbuser", "db-secret-4567"),
                            mutual=("dbtarget", "db-target-secret-89"))
    env.check(rc == 0, "the restored mutual CHAP works: " + out)

    fresh_daemon(env)
    out = env.istmctl("config", "import", plain_path, expect=1)
    got = state(env)
    env.check(not got["web"]["enabled"] and not got["db"]["enabled"] and
              got["backup"]["enabled"] and "secret is not in" in out,
              "without secrets the CHAP targets come back disabled and are reported")


def body(env):
    foreign_targets(env)
    conf = imports(env)
    round_trip(env, conf)


if __name__ == "__main__":
    e2e_env.skip_unless_possible()
    if shutil.which("qemu-img") is None:
        print("# skip: needs qemu-img")
        sys.exit(77)
    env = Env(__doc__)
    sys.exit(env.finish(body))
