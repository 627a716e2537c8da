#!/usr/bin/python3
"""istmctl on a terminal (a pseudo-terminal here): the password is asked
without echo; "user add" asks twice and refuses two different entries; the
login password prompt names the account and server. Bounded: every run has
a 20 s limit."""
import os
import pty
import select
import sys
import tempfile
import time

istmctl = sys.argv[1]
failed = False


def check(cond, what):
    global failed
    print(("ok - " if cond else "not ok - ") + what, flush=True)
    failed |= not cond


def on_terminal(args, answers, env, timeout=20):
    """ARGS on a pseudo-terminal; at each prompt (output ending in ':') the
    next answer is typed. (exit status, what the terminal showed)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.clear()
        os.environ.update(env)
        os.execv(istmctl, [istmctl] + args)
    shown, answers, deadline = b"", list(answers), time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if not ready:
            continue
        try:
            data = os.read(fd, 4096)
        except OSError:  # EIO: the child is gone
            break
        if not data:
            break
        shown += data
        if shown.rstrip().endswith(b":") and answers:
            time.sleep(0.1)
            os.write(fd, answers.pop(0).encode() + b"\n")
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


with tempfile.TemporaryDirectory() as d:
    env = {"PATH": "/usr/bin:/bin", "HOME": d, "XDG_CONFIG_HOME": d}
    users = os.path.join(d, "users")
    rc, shown = on_terminal(["user", "add", "--users-file", users, "--admin", "alice"],
                            ["Typed-pass-1", "Typed-pass-1"], env)
    check(rc == 0 and "Typed-pass-1" not in shown and shown.count(":") >= 2
          and "added administrator 'alice'" in shown,
          "user add asks twice without echo: %r" % shown)
    with open(users) as f:
        lines = f.read().splitlines()
        check(any(l.startswith("alice:") for l in lines), "and the account is in the users file")

    rc, shown = on_terminal(["user", "add", "--users-file", users, "bob"],
                            ["Typed-pass-2", "Typed-pass-3"], env)
    check(rc == 1 and "differ" in shown and "Typed-pass" not in shown,
          "two different entries are refused: %r" % shown)
    with open(users) as f:
        check("bob" not in f.read(), "and nothing was added")

    rc, shown = on_terminal(["--server", "127.0.0.1:1", "--user", "carol", "--timeout", "5",
                             "info"], ["Typed-pass-4"], env)
    check(rc == 9 and "Password for carol@127.0.0.1: " in shown
          and "Typed-pass-4" not in shown,
          "the login password is asked without echo: %r" % shown)

sys.exit(1 if failed else 0)
