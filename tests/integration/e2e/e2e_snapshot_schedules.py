#!/usr/bin/python3
"""Snapshot schedules end to end (issue 13): istmd and a private tgtd, the
storage root on a loop-mounted XFS image (reflink=1). Through istmctl:

  two named schedules (every minute on one disk keeping 1; weekly on given
  days over all disks) are set, listed and shown (--json); the minute
  schedule takes a snapshot by itself within 70 s; istmd restarts (SIGTERM):
  the schedules and the snapshots are back; istmd is down over the next
  run and makes it at once when it starts again (one catch-up); that run
  leaves only the newest scheduled snapshot of the disk (keep 1) and the
  snapshot taken by hand stays; a disk written through iSCSI is in a scheduled snapshot; the
  MS-ISTM default schedule (IWTGeneral DVSetSnapshotSchedule) shows up as
  the schedule named "default"; clear removes a schedule and keeps its
  snapshots. The image is unmounted and removed at the end."""
import calendar
import os
import time

from e2e_env import Env, finish_on_image, skip_unless_possible

INI = "iqn.2024-02.org.example:sched"


def snaps_of(env, wtd):
    return [s["id"] for s in env.istmctl("snapshot", "list", str(wtd), "--json",
                                          json_out=True)]


def wait_run(env, name, after, limit):
    """Waits (at most LIMIT s) until schedule NAME's last run is newer than
    AFTER; the schedule as shown."""
    deadline = time.monotonic() + limit
    while True:
        s = env.istmctl("snapshot", "schedule", "show", name, "--json", json_out=True)
        if s["last_run"] is not None and (after is None or s["last_run"] > after):
            return s
        if time.monotonic() > deadline:
            return s
        time.sleep(1)


def body(env):
    a = os.path.join(env.storage, "a.vhd")
    b = os.path.join(env.storage, "b.vhd")
    wa = env.istmctl("disk", "create", a, "--size", "8M", "--json", json_out=True)["wtd"]
    wb = env.istmctl("disk", "create", b, "--size", "8M", "--json", json_out=True)["wtd"]
    live = env.istmctl("target", "create", "live", "--json", json_out=True)["iqn"]
    env.istmctl("allow", "live", INI)
    env.istmctl("map", "live", str(wa))
    pat = os.path.join(env.dir, "A")
    with open(pat, "wb") as f:
        f.write(b"\xaa" * 65536)
    rc, _ = env.initiator(live, INI, "write", "1", "0", pat)
    env.check(rc == 0, "pattern written to disk a through iSCSI")

    manual = env.istmctl("snapshot", "create", str(wa), "--json", json_out=True)[0]["id"]

    # bad input is refused before anything is sent
    env.istmctl("snapshot", "schedule", "set", "x", "--all", "--every", "1m", expect=2)
    env.istmctl("snapshot", "schedule", "set", "x", "--all", "--every", "7s", "--keep", "1",
                expect=2)
    env.istmctl("snapshot", "schedule", "set", "x", "--all", "--disks", a, "--every", "1m",
                "--keep", "1", expect=2)
    env.istmctl("snapshot", "schedule", "set", "bad/name", "--all", "--every", "1m",
                "--keep", "1", expect=7)

    s = env.istmctl("snapshot", "schedule", "set", "minute", "--disks", a, "--every", "1m",
                    "--keep", "1", "--json", json_out=True)
    env.check(s["name"] == "minute" and s["interval_s"] == 60 and s["keep"] == 1
              and s["disks"] == [wa] and s["last_run"] is None and s["next_run"],
              "schedule set minute: every 1m, keep 1, disk %d, next %s" % (wa, s["next_run"]))
    w = env.istmctl("snapshot", "schedule", "set", "weekly", "--all", "--every", "1w",
                    "--at", "03:30", "--days", "mon,fri", "--keep", "7", "--json",
                    json_out=True)
    env.check(w["days"] == ["monday", "friday"] and w["at"] == "03:30" and w["disks"] == "all"
              and w["interval_s"] == 86400 and w["next_run"].endswith("T03:30:00Z"),
              "schedule set weekly on mon,fri at 03:30 over all disks: next %s"
              % w["next_run"])
    names = [x["name"] for x in env.istmctl("snapshot", "schedule", "list", "--json",
                                            json_out=True)]
    env.check(names == ["minute", "weekly"], "schedule list: %s" % names)
    out = env.istmctl("snapshot", "schedule", "list")
    env.check("minute" in out and "mon,fri" in out, "schedule list (text)")
    env.check(not env.istmctl("snapshot", "schedule", "show", "--json",
                              json_out=True)["scheduled"],
              "no MS-ISTM default schedule (DVGetSnapshotSchedule)")

    # the first run, by istmd's own timer
    s = wait_run(env, "minute", None, 70)
    env.check(s["last_run"] is not None, "the minute schedule ran by itself within 70 s")
    first = [x for x in snaps_of(env, wa) if x != manual]
    env.check(len(first) == 1, "one scheduled snapshot of disk a (%d)" % len(first))
    env.check(snaps_of(env, wb) == [], "disk b is not in the minute schedule")

    # restart: schedules and snapshots are back
    env.stop_istmd()
    env.start_istmd()
    names = [x["name"] for x in env.istmctl("snapshot", "schedule", "list", "--json",
                                            json_out=True)]
    env.check(names == ["minute", "weekly"], "restart: schedules kept")
    env.check(sorted(snaps_of(env, wa)) == sorted([manual] + first),
              "restart: snapshots kept")

    # down over the next run: at start-up istmd makes the missed run at once
    # (one catch-up), not at the following grid point
    env.stop_istmd()
    t0 = calendar.timegm(time.strptime(s["last_run"], "%Y-%m-%dT%H:%M:%SZ"))
    missed = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t0 + 60))
    time.sleep(max(0, t0 + 63 - time.time()))
    env.start_istmd()
    started = time.time()
    s2 = wait_run(env, "minute", s["last_run"], 15)
    env.check(s2["last_run"] == missed and time.time() < t0 + 120,
              "the run missed while down (%s) was made at start-up (%s), %.0f s after it"
              % (missed, s2["last_run"], time.time() - started))
    deadline = time.monotonic() + 10
    while True:
        now = snaps_of(env, wa)
        if len(now) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    env.check(manual in now, "the snapshot taken by hand stays")
    env.check(len(now) == 2 and first[0] not in now,
              "keep 1: only the newest scheduled snapshot remains (%d snapshots)" % len(now))
    newest = [x for x in now if x != manual][0]
    guid = [d["guid"] for d in env.istmctl("disk", "list", "--json", json_out=True)["disks"]
            if d["wtd"] == wa][0]
    path = os.path.join(env.storage, ".istmd-snapshots", guid.lower(), newest + ".vhd")
    with open(path, "rb") as f:
        env.check(f.read(65536) == b"\xaa" * 65536,
                  "the scheduled snapshot holds what was written through iSCSI")

    # the MS-ISTM default schedule is the one named default
    env.istmctl("snapshot", "schedule", "set", "--every-day", "--at", "04:00")
    d = env.istmctl("snapshot", "schedule", "show", "default", "--json", json_out=True)
    env.check(d["interval_s"] == 86400 and d["disks"] == "all" and d["keep"] == 64,
              "DVSetSnapshotSchedule sets the schedule named default (keep 64, all disks)")
    env.istmctl("snapshot", "schedule", "set", "default", "--all", "--every", "1d", "--at",
                "05:00", "--keep", "3")
    d = env.istmctl("snapshot", "schedule", "show", "--json", json_out=True)
    env.check(d["scheduled"] and d["every_day"] and d["start"].endswith("T05:00:00Z"),
              "DVGetSnapshotSchedule reads the default set by name")

    # clear: the schedule goes, its snapshots stay
    env.istmctl("snapshot", "schedule", "clear", "minute")
    env.istmctl("snapshot", "schedule", "clear", "minute", expect=4)
    env.istmctl("snapshot", "schedule", "show", "minute", expect=4)
    env.check(newest in snaps_of(env, wa), "clear: the schedule's snapshots stay")
    env.istmctl("snapshot", "schedule", "clear", "weekly", "--json")
    env.istmctl("snapshot", "schedule", "clear")
    env.check(env.istmctl("snapshot", "schedule", "list", "--json", json_out=True) == [],
              "every schedule cleared")


def main():
    skip_unless_possible()
    env = Env(__doc__)
    finish_on_image(env, body, "xfs")


if __name__ == "__main__":
    main()
