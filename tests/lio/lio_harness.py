#!/usr/bin/python3
"""The LIO guest harness itself (issue 15, step 1): boot Debian's kernel in
QEMU (TCG), create a LIO target by hand in configfs (a fileio backstore of
64 MiB with fd_dev_size smaller than its file, a node ACL with a mapped LUN,
a portal), and log in from the host through the forwarded port with
libiscsi: the allowed IQN reads the INQUIRY and the exact capacity, another
IQN is refused, data written lands in the file at the right offset and the
bytes past fd_dev_size are never touched.

    lio_harness.py --cache BUILD/lio-guest --addr 127.0.16.1 --iscsi BUILD/.../e2e_iscsi
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lio_guest import Guest, GuestError, Skip  # noqa: E402

IQN = "iqn.2003-01.org.linux-iscsi.istmd:harness"
ALLOWED = "iqn.1991-05.com.contoso:allowed"
OTHER = "iqn.1991-05.com.contoso:other"
SIZE = 64 << 20
TAIL = b"conectix" + b"\xa5" * 504  # stands for a VHD footer after the data

SETUP = """set -e
T=/sys/kernel/config/target
D=$T/core/fileio_0/harness
mkdir -p $D
echo "fd_dev_name={img},fd_dev_size={size}" > $D/control
echo 1 > $D/enable
G=$T/iscsi/{iqn}/tpgt_1
mkdir -p $G/lun/lun_0
ln -s $D $G/lun/lun_0/harness
mkdir $G/np/10.0.2.15:3260
echo 0 > $G/attrib/authentication
echo 0 > $G/attrib/generate_node_acls
mkdir -p $G/acls/{allowed}/lun_0
ln -s $G/lun/lun_0 $G/acls/{allowed}/lun_0/mapped
echo 1 > $G/enable
cat $T/iscsi/lio_version $D/info
"""

TEARDOWN = """set -e
T=/sys/kernel/config/target
G=$T/iscsi/{iqn}/tpgt_1
echo 0 > $G/enable
rm $G/acls/{allowed}/lun_0/mapped
rmdir $G/acls/{allowed}/lun_0 $G/acls/{allowed}
rm $G/lun/lun_0/harness
rmdir $G/lun/lun_0 $G/np/10.0.2.15:3260 $G $T/iscsi/{iqn}
rmdir $T/core/fileio_0/harness $T/core/fileio_0
"""


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cache", required=True)
    p.add_argument("--addr", required=True)
    p.add_argument("--iscsi", required=True, help="the e2e_iscsi initiator")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="istmd-lio-")
    guest = Guest(args.cache, work, args.addr, [3260], scratch_mb=64)
    status = 0
    t0 = time.monotonic()

    def check(cond, what, detail=""):
        if not cond:
            raise GuestError("not ok - %s\n%s" % (what, detail))
        print("ok - " + what, flush=True)

    try:
        img = os.path.join(work, "disk.img")
        with open(img, "wb") as f:
            f.truncate(SIZE)
            f.seek(SIZE)
            f.write(TAIL)
        boot = guest.start()
        print("# guest ready after %.1f s" % boot, flush=True)
        rc, out = guest.script(SETUP.format(img=img, size=SIZE, iqn=IQN, allowed=ALLOWED))
        check(rc == 0, "a LIO target made by hand in configfs", out)
        print("# " + out.replace("\n", "\n# "))
        portal = "iscsi://%s:3260/%s/0" % (args.addr, IQN)
        r = subprocess.run(["iscsi-inq", "-i", ALLOWED, portal], capture_output=True,
                           text=True, timeout=60)
        check(r.returncode == 0 and "LIO-ORG" in r.stdout, "iscsi-inq through the forwarded "
              "portal: LIO answers the INQUIRY", r.stdout + r.stderr)
        r = subprocess.run(["iscsi-readcapacity16", "-i", ALLOWED, portal],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and "Totalsize:%d" % SIZE in r.stdout.replace(" ", ""),
              "READ CAPACITY(16): exactly fd_dev_size (%d bytes)" % SIZE, r.stdout + r.stderr)
        r = subprocess.run(["iscsi-inq", "-i", OTHER, portal], capture_output=True, text=True,
                           timeout=60)
        check(r.returncode != 0, "an IQN without an ACL is refused", r.stdout + r.stderr)
        r = subprocess.run(["iscsi-ls", "-i", ALLOWED, "iscsi://%s:3260" % args.addr],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and IQN in r.stdout, "iscsi-ls (discovery) lists the target",
              r.stdout + r.stderr)
        pattern = os.urandom(8 * 512)
        last = os.urandom(512)
        with open(os.path.join(work, "pattern"), "wb") as f:
            f.write(pattern)
        with open(os.path.join(work, "last"), "wb") as f:
            f.write(last)
        r = subprocess.run([args.iscsi, "%s:3260" % args.addr, IQN, ALLOWED,
                            "write", "0", "2048", os.path.join(work, "pattern"),
                            "write", "0", str(SIZE // 512 - 1), os.path.join(work, "last")],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "8 blocks written at LBA 2048 and one at the last LBA",
              r.stdout + r.stderr)
        r = subprocess.run([args.iscsi, "%s:3260" % args.addr, IQN, ALLOWED,
                            "write", "0", str(SIZE // 512), os.path.join(work, "last")],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 1, "a write past fd_dev_size fails", r.stdout + r.stderr)
        rc, sess = guest.run("cat /sys/kernel/config/target/iscsi/%s/tpgt_1/dynamic_sessions"
                             % IQN)
        check(rc == 0, "configfs dynamic_sessions readable")
        with open(img, "rb") as f:
            f.seek(2048 * 512)
            at = f.read(len(pattern))
            f.seek(SIZE - 512)
            end = f.read(512)
            tail = f.read()
        check(at == pattern, "the data is in the file at byte 2048 * 512")
        check(end == last, "the last block is the file's block before fd_dev_size")
        check(tail == TAIL, "the bytes past fd_dev_size are untouched")
        rc, out = guest.run("grep ' /mnt/scratch ext4 ' /proc/mounts && "
                            "echo written > /mnt/scratch/probe && cat /mnt/scratch/probe")
        check(rc == 0 and out.endswith("written\n"),
              "the scratch disk (virtio-blk, ext4) is mounted read-write in the guest", out)
        rc, out = guest.script(TEARDOWN.format(iqn=IQN, allowed=ALLOWED))
        check(rc == 0, "teardown by hand", out)
        rc, _ = guest.run("test -e /sys/kernel/config/target/iscsi/" + IQN)
        check(rc != 0, "the target is removed again by hand")
    except Skip as e:
        print("# skip: %s" % e)
        status = 77
    except (GuestError, subprocess.SubprocessError, OSError) as e:
        print("# failure: %s" % e)
        if guest.proc is not None:
            print("---- guest console ----\n" + guest.tail())
        status = 1
    finally:
        guest.stop()
        if os.environ.get("LIO_KEEP") == "1":
            print("# kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("# boot %.1f s, total %.1f s" % (guest.boot_seconds or 0, time.monotonic() - t0))
    return status


if __name__ == "__main__":
    sys.exit(main())
