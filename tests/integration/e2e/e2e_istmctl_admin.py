#!/usr/bin/python3
"""istmctl as an admin uses it day to day (issue 10), against istmd and a
real tgtd: settings from the config file and $ISTMCTL_PASSWORD_FILE, the
password prompt on a terminal, changing targets and disks after create
(target set/enable/disable, disk set), errors as JSON, exit 6 for a path
outside the storage roots, and "disk delete --delete-file" finishing what an
interrupted run left (by path, and by WTD index through the journal)."""
import json
import os
import pty
import select
import subprocess
import time

from e2e_env import ADMIN, ADMIN_PASSWORD, Env, Failure, skip_unless_possible

MIB = 1 << 20


def run(env, args, extra_env=None, stdin=None, expect=0):
    """istmctl with only what ARGS and EXTRA_ENV say (no global options
    added): (stdout, stderr)."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": env.home,
         "XDG_CONFIG_HOME": env.xdg_config, "XDG_STATE_HOME": env.xdg_state}
    e.update(extra_env or {})
    r = subprocess.run([env.args.istmctl] + args, input=stdin, capture_output=True, text=True,
                       timeout=60, env=e)
    if r.returncode != expect:
        raise Failure("istmctl %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                      % (" ".join(args), r.returncode, expect, r.stdout, r.stderr))
    return r.stdout, r.stderr


def on_terminal(env, args, answers, timeout=20):
    """istmctl ARGS on a pseudo-terminal; each time its output ends with a
    prompt (": "), the next of ANSWERS is typed. (exit status, everything the
    terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: istmctl with the terminal as stdin/stdout/stderr
        os.environ.update({"HOME": env.home, "XDG_CONFIG_HOME": env.xdg_config,
                           "XDG_STATE_HOME": env.xdg_state})
        os.environ.pop("ISTMCTL_PASSWORD_FILE", None)
        os.execv(env.args.istmctl, [env.args.istmctl] + args)
    shown, answers, deadline = b"", list(answers), time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            shown += data
            if shown.rstrip().endswith(b":") and answers:
                time.sleep(0.1)  # istmctl turns echo off right after the prompt
                os.write(fd, answers.pop(0).encode() + b"\n")
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def body(env):
    env.home = os.path.join(env.dir, "home")
    env.xdg_config = os.path.join(env.home, "config")
    env.xdg_state = os.path.join(env.home, "state")
    os.makedirs(env.xdg_config)
    conf = os.path.join(env.xdg_config, "istmctl.conf")

    # ---- settings: config file, $ISTMCTL_PASSWORD_FILE, --config ----------------------
    with open(conf, "w") as f:
        f.write("# istmctl settings\nserver = %s\nuser = %s\npassword_file = %s\n"
                "level = integrity\n" % (env.server(), ADMIN, env.password_file))
    out, _ = run(env, ["info", "--json"])
    env.check(json.loads(out)["name"] == "e2e", "the config file gives server, user, password")
    with open(conf, "w") as f:
        f.write("server = %s\nuser = %s\n" % (env.server(), ADMIN))
    out, _ = run(env, ["info"], {"ISTMCTL_PASSWORD_FILE": env.password_file})
    env.check(out.startswith("Name: e2e"), "$ISTMCTL_PASSWORD_FILE")
    other = os.path.join(env.dir, "other.conf")
    with open(other, "w") as f:
        f.write("server = %s\nuser = %s\npassword_file = password\n" % (env.server(), ADMIN))
    out, _ = run(env, ["--config", other, "info"])
    env.check(out.startswith("Name: e2e"), "--config FILE; password_file next to it")
    with open(other, "w") as f:
        f.write("server = %s\npassword = %s\n" % (env.server(), ADMIN_PASSWORD))
    _, err = run(env, ["--config", other, "info"], expect=2)
    env.check(ADMIN_PASSWORD not in err and "no password in the config file" in err,
              "a password in the config file is refused, not shown: " + err.strip())
    with open(other, "w") as f:
        f.write("auth = kerberos\n")
    _, err = run(env, ["--config", other, "info"], expect=2)
    env.check("bad value 'kerberos' for auth" in err, "a bad value in the config: " + err.strip())

    # ---- the password prompt on a terminal ---------------------------------------------
    rc, shown = on_terminal(env, ["info"], [ADMIN_PASSWORD])
    env.check(rc == 0 and "Password for %s@" % ADMIN in shown and "Name: e2e" in shown
              and ADMIN_PASSWORD not in shown,
              "on a terminal the password is asked without echo: %r" % shown)
    rc, shown = on_terminal(env, ["info"], ["wrong-password"])
    env.check(rc == 9 and "wrong-password" not in shown, "a wrong password typed: exit 9")

    def ctl(*args, expect=0):
        out, err = run(env, list(args), {"ISTMCTL_PASSWORD_FILE": env.password_file},
                       expect=expect)
        return json.loads(out) if "--json" in args and out else out + err

    # ---- targets changed after create -------------------------------------------------
    t = ctl("target", "create", "t2", "--disabled", "--json")
    env.check(t["enabled"] is False, "target create --disabled")
    t = ctl("target", "enable", "t2", "--json")
    env.check(t["enabled"] is True, "target enable: a target created disabled comes up")
    t = ctl("target", "disable", t["iqn"], "--json")
    env.check(t["enabled"] is False, "target disable by IQN")
    iqn = "iqn.2024-01.org.example:changed"
    t = ctl("target", "set", "t2", "--description", "changed", "--iqn", iqn, "--enable",
            "--name", "t3", "--max-burst-length", "131072", "--idle-timeout-detection", "off",
            "--json")
    env.check(t["name"] == "t3" and t["iqn"] == iqn and t["description"] == "changed"
              and t["enabled"] and t["parameters"]["max_burst_length"] == 131072
              and t["parameters"]["enforce_idle_timeout_detection"] is False,
              "target set: name, IQN, description, enable, parameters: %s" % t)
    shown = ctl("target", "show", "t3")
    env.check("changed" in shown, "target show after set")
    out = ctl("target", "set", "t3", "--iqn", "not-an-iqn", expect=7)
    env.check("not a valid iSCSI name" in out, "target set --iqn with a bad IQN: exit 7")
    ctl("target", "set", "t3", expect=2)
    env.ok("target set with nothing to change: exit 2")

    # ---- disks changed after create ----------------------------------------------------
    vhd = os.path.join(env.storage, "a.vhd")
    d = ctl("disk", "create", vhd, "--size", "64MiB", "--json")
    wtd = d["wtd"]
    d = ctl("disk", "set", str(wtd), "--description", "renamed", "--json")
    env.check(d["description"] == "renamed", "disk set --description")
    d = ctl("disk", "set", vhd, "--disable", "--json")
    env.check(d["enabled"] is False, "disk set --disable (by path)")
    d = ctl("disk", "set", str(wtd), "--enable", "--json")
    env.check(d["enabled"] is True and d["description"] == "renamed", "disk set --enable")

    # ---- errors as JSON, exit codes -----------------------------------------------------
    e = ctl("target", "show", "nosuch", "--json", expect=4)
    env.check(e["error"]["hresult"] == 0x80070002 and e["error"]["exit"] == 4
              and e["error"]["name"] == "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)"
              and "no such target" in e["error"]["message"], "an error as JSON: %s" % e)
    outside = os.path.join(env.dir, "outside.vhd")
    with open(outside, "wb") as f:
        f.write(b"\0" * 4096)
    ctl("disk", "create", outside, "--size", "64M", expect=6)
    ctl("disk", "delete", outside, "--delete-file", expect=6)
    env.check(os.path.exists(outside), "a path outside the storage roots: exit 6, file kept")
    out, err = run(env, ["-s", "nosuch.invalid", "-u", ADMIN, "-p", env.password_file, "info"],
                   expect=9)
    env.check("cannot resolve host 'nosuch.invalid'" in err, "unknown host: " + err.strip())

    # ---- disk delete --delete-file after an interruption ------------------------------
    # By path: the disk was unregistered (an interruption after DeleteWTDisk).
    ctl("disk", "delete", str(wtd))
    env.check(os.path.exists(vhd), "disk delete without --delete-file keeps the file")
    r = ctl("disk", "delete", vhd, "--delete-file", "--json")
    env.check(r == {"wtd": None, "path": vhd, "deleted": False, "file_deleted": True}
              and not os.path.exists(vhd), "a rerun by path deletes the orphan file: %s" % r)
    ctl("disk", "delete", vhd, "--delete-file", expect=4)
    env.ok("nothing left to delete: exit 4")
    # By index: what the journal holds once DeleteWTDisk is done and
    # DeleteWtFile is not.
    vhd = os.path.join(env.storage, "b.vhd")
    wtd = ctl("disk", "create", vhd, "--size", "16M", "--json")["wtd"]
    d = ctl("disk", "show", str(wtd), "--json")
    journal = os.path.join(env.xdg_state, "istmctl", "pending-deletes")
    os.makedirs(os.path.dirname(journal), exist_ok=True)
    with open(journal, "w") as f:
        f.write("%s\t%d\t%s\n" % (env.server(), wtd, d["path"]))
    ctl("disk", "delete", str(wtd))
    env.check(os.path.exists(vhd), "interrupted: the disk is gone, its file is not")
    r = ctl("disk", "delete", str(wtd), "--delete-file", "--json")
    env.check(r["file_deleted"] and not os.path.exists(vhd),
              "the rerun with the WTD index deletes the file: %s" % r)
    with open(journal) as f:
        env.check(f.read() == "", "and the journal is empty")
    # A whole run leaves no journal line and no file.
    wtd = ctl("disk", "create", vhd, "--size", "16M", "--json")["wtd"]
    r = ctl("disk", "delete", str(wtd), "--delete-file", "--json")
    env.check(r["deleted"] and r["file_deleted"] and not os.path.exists(vhd),
              "disk delete --delete-file")
    with open(journal) as f:
        env.check(f.read() == "", "nothing pending after a whole run")
    ctl("target", "delete", "t3")


if __name__ == "__main__":
    skip_unless_possible()
    raise SystemExit(Env(__doc__).finish(body))
