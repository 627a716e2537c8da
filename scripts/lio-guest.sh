#!/usr/bin/env bash
# Builds what the LIO tests boot: Debian 12's stock kernel and a busybox
# initramfs that loads configfs and LIO (target_core_file, iscsi_target_mod),
# virtio networking, 9p and virtio-blk, then serves commands on its second
# serial port. Nothing is installed on the host: the packages are fetched
# with `apt-get download` and unpacked with `dpkg-deb -x` into DIR (cached:
# a second run with the same script reuses them).
#
#   lio-guest.sh build DIR    -> DIR/vmlinuz, DIR/initrd.gz, DIR/kernel-version
#
# Exit 77 (ctest's skip) with the reason when qemu, the packages or the tools
# to unpack them are not available. The guest side (/init) is written below;
# tests/lio/lio_guest.py starts QEMU with it. See docs/lio-backend.md.
set -euo pipefail

skip() { echo "lio-guest: skip: $*" >&2; exit 77; }

[ "${1:-}" = build ] && [ -n "${2:-}" ] || { echo "usage: lio-guest.sh build DIR" >&2; exit 2; }
dir=$2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
stamp="$dir/.built"
self="${BASH_SOURCE[0]}"
if [ -f "$stamp" ] && [ "$stamp" -nt "$self" ] && [ -f "$dir/initrd.gz" ] && [ -f "$dir/vmlinuz" ]; then
  exit 0
fi

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (qemu-system-x86)"
command -v dpkg-deb >/dev/null || skip "dpkg-deb is not available"
command -v apt-get >/dev/null || skip "apt-get is not available"

# The stock kernel: the version linux-image-amd64 points to (bookworm: 6.1).
debs="$dir/debs"
mkdir -p "$debs"
kpkg=$(ls "$debs" 2>/dev/null | sed -n 's/^\(linux-image-6\.1\.0-[0-9]*-amd64\)_.*\.deb$/\1/p' | head -1)
if [ -z "$kpkg" ]; then
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
           awk '/Depends: linux-image-6\.1\.0-[0-9]+-amd64$/ { print $2; exit }') || true
  [ -n "$kpkg" ] || kpkg=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
                             awk '{ print $1 }' | sort -V | tail -1) || true
  [ -n "$kpkg" ] || skip "no linux-image-6.1.0-*-amd64 package known to apt (run apt-get update)"
  (cd "$debs" && timeout 300 apt-get download -q "$kpkg" >/dev/null 2>&1) ||
    skip "apt-get download $kpkg failed"
fi
if ! ls "$debs"/busybox-static_*.deb >/dev/null 2>&1; then
  (cd "$debs" && timeout 120 apt-get download -q busybox-static >/dev/null 2>&1) ||
    skip "apt-get download busybox-static failed"
fi

x="$dir/x"
rm -rf "$x"
mkdir -p "$x"
dpkg-deb -x "$debs/$kpkg"_*.deb "$x/kernel"
dpkg-deb -x "$debs"/busybox-static_*.deb "$x/bb"
kver=$(ls "$x/kernel/lib/modules" | head -1)
mods="$x/kernel/lib/modules/$kver/kernel"
bb="$x/bb/bin/busybox"
[ -x "$bb" ] || skip "busybox-static has no bin/busybox"

# The modules, each after what it depends on (the .ko's modinfo "depends=";
# the package has no modules.dep, depmod runs at install time).
root="$x/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,host,lib/modules}
order=()
declare -A seen=()
find_ko() {
  local n=$1 alt=${1//_/-}
  local f
  f=$(find "$mods" \( -name "$n.ko" -o -name "${n//-/_}.ko" -o -name "$alt.ko" \) | head -1)
  [ -n "$f" ] || { echo "lio-guest: module $n not found in $kpkg" >&2; exit 1; }
  echo "$f"
}
add_mod() {
  local n=${1//-/_}
  [ -z "${seen[$n]:-}" ] || return 0
  seen[$n]=1
  local f deps d
  f=$(find_ko "$1")
  deps=$(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | head -1)
  for d in ${deps//,/ }; do add_mod "$d"; done
  cp "$f" "$root/lib/modules/$n.ko"
  order+=("$n")
}
for m in crc32c_generic configfs target_core_mod target_core_file target_core_iblock \
         iscsi_target_mod virtio_pci virtio_net virtio_blk 9pnet 9pnet_virtio 9p ext4 loop; do
  add_mod "$m"
done
# FUSE (a module in Debian's 6.1: fuse.ko; loop.ko is above) for istmd-vhdfs,
# which serves dynamic and differencing VHDs (docs/vhd-serving.md); devtmpfs
# makes /dev/fuse when it loads
add_mod fuse
printf '%s\n' "${order[@]}" > "$root/modules.list"
cp "$bb" "$root/bin/busybox"

cat > "$root/init" <<'EOF'
#!/bin/busybox sh
# The LIO test guest's init: modules, configfs, network (QEMU user
# networking: 10.0.2.15), the host's root read-only on /host (9p), the
# test's work directory read-write at the same path (9p), the scratch disk
# (virtio-blk, ext4) on /mnt/scratch when there is one, then a command loop on
# ttyS1: each line "ID" runs the script WORK/.guest/ID.sh with sh in a chroot
# into /host, # its output in WORK/.guest/ID.out, and answers "DONE ID STATUS".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.list); do
  insmod /lib/modules/$m.ko || echo "lio-guest: insmod $m failed"
done
mount -t configfs configfs /sys/kernel/config
work=$(sed -n 's/.*istmd\.work=\([^ ]*\).*/\1/p' /proc/cmdline)
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
ip route add default via 10.0.2.2
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host ||
  echo "lio-guest: cannot mount the host's root"
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t configfs configfs /host/sys/kernel/config
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run
mkdir -p /host/run/lock
if [ -n "$work" ]; then
  mkdir -p "/host$work"
  mount -t 9p -o trans=virtio,version=9p2000.L,rw,msize=262144,cache=mmap work "/host$work" ||
    echo "lio-guest: cannot mount the work directory"
  mkdir -p "/host$work/.guest"
fi
# source or build trees under /tmp or /run (hidden by the tmpfs above)
trees=$(sed -n 's/.*istmd\.trees=\([^ ]*\).*/\1/p' /proc/cmdline)
i=0
for t in $(echo "$trees" | tr ':' ' '); do
  mkdir -p "/host$t"
  mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose "tree$i" "/host$t" ||
    echo "lio-guest: cannot mount $t"
  i=$((i + 1))
done
if [ -b /dev/vda ]; then
  mount -t tmpfs scratchdir /host/mnt && mkdir -p /host/mnt/scratch &&
    mount -t ext4 /dev/vda /host/mnt/scratch || echo "lio-guest: cannot mount the scratch disk"
fi
# open the command port before saying ready: what arrives on a serial port
# nobody has open is lost
exec 3<>/dev/ttyS1
stty raw -echo <&3
echo "LIO-GUEST-READY $(cut -d' ' -f1 /proc/uptime)"
while read -r id <&3; do
  chroot /host /bin/sh "$work/.guest/$id.sh" < /dev/null > "/host$work/.guest/$id.out" 2>&1 3>&-
  echo "DONE $id $?" >&3
done
EOF
chmod 755 "$root/init"

(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null) | gzip -1 > "$dir/initrd.gz.new"
mv "$dir/initrd.gz.new" "$dir/initrd.gz"
cp "$x/kernel/boot/vmlinuz-$kver" "$dir/vmlinuz"
echo "$kver" > "$dir/kernel-version"
rm -rf "$x"
touch "$stamp"
