#!/usr/bin/env bash
# Builds the Debian package from this source tree (dpkg-buildpackage -b, no
# tests inside) in a scratch copy, then checks what it holds: the files of a
# packaged install (issue 10), maintainer scripts that never start a service
# where systemd is not running, and binaries that run from an unpacked root.
# Usage: build_deb.sh SOURCE_DIR
set -euo pipefail
src=$1
for tool in dpkg-buildpackage dpkg-deb dh; do
	command -v $tool >/dev/null || { echo "SKIP: $tool is not installed (apt-get install debhelper)"; exit 77; }
done
if ! (cd "$src" && dpkg-checkbuilddeps >/dev/null 2>&1); then
	echo "SKIP: build dependencies missing: $(cd "$src" && dpkg-checkbuilddeps 2>&1)"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/istmd"
# The tree as it is (committed or not), without build directories.
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./debian/istmd \
	--exclude=./debian/.debhelper --exclude=./obj-* -cf - . | tar -C "$tmp/istmd" -xf -
echo "=== dpkg-buildpackage"
if ! (cd "$tmp/istmd" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	dpkg-buildpackage -b -us -uc >"$tmp/build.log" 2>&1); then
	tail -n 60 "$tmp/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
deb=$(ls "$tmp"/istmd_*.deb | grep -v dbgsym | head -n 1)
echo "built $(basename "$deb")"

fail=0
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if ! "$@"; then
		echo "FAIL: $what"
		fail=1
	fi
}
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|' >"$tmp/contents"
for f in /usr/sbin/istmd /usr/bin/istmctl \
	/lib/systemd/system/istmd.service /lib/systemd/system/istmd-tgtd.service \
	/usr/lib/tmpfiles.d/istmd.conf /usr/libexec/istmd/istmd-tgtd-stop \
	/etc/istmd/istmd.conf /etc/istmd/tgtd.env \
	/usr/share/doc/istmd/README.Debian /usr/share/doc/istmd/copyright \
	/usr/share/doc/istmd/install.md /usr/share/doc/istmd/logging.md \
	/usr/share/man/man8/istmd.8.gz /usr/share/man/man8/istmctl.8.gz \
	/usr/share/man/man5/istmd.conf.5.gz \
	/usr/bin/istmd-replay /usr/share/man/man1/istmd-replay.1.gz; do
	# dh_compress gzips docs over 4 kB
	check "package lacks $f" grep -qx "$f\(\.gz\)\?" "$tmp/contents"
done
if [ -f "$src/src/ctl/completion/istmctl.bash" ]; then
	check "package lacks the bash completion" \
		grep -qx /usr/share/bash-completion/completions/istmctl "$tmp/contents"
fi

dpkg-deb -e "$deb" "$tmp/control"
check "conffiles: /etc/istmd/istmd.conf" grep -qx /etc/istmd/istmd.conf "$tmp/control/conffiles"
check "conffiles: /etc/istmd/tgtd.env" grep -qx /etc/istmd/tgtd.env "$tmp/control/conffiles"
check "Depends: tgt" sh -c "dpkg-deb -f '$deb' Depends | grep -qw tgt"
# Every start in a maintainer script is guarded by a running systemd.
for s in postinst prerm postrm preinst; do
	[ -f "$tmp/control/$s" ] || continue
	if grep -n 'deb-systemd-invoke.*\(start\|restart\)' "$tmp/control/$s" | grep -v 'try-restart' >"$tmp/starts"; then
		check "$s starts a service without checking /run/systemd/system" \
			grep -q '/run/systemd/system' "$tmp/control/$s"
	fi
done
check "postinst enables the units" grep -q 'deb-systemd-helper.*enable' "$tmp/control/postinst"

# Unpacked into a throwaway root: the binaries run, the config says port 1.
dpkg-deb -x "$deb" "$tmp/root"
check "istmd --version" "$tmp/root/usr/sbin/istmd" --version
check "istmctl --version" "$tmp/root/usr/bin/istmctl" --version
check "tgt_control_port = 1" grep -qx 'tgt_control_port = 1' "$tmp/root/etc/istmd/istmd.conf"
check "istmd.service requires istmd-tgtd.service" \
	grep -qx 'Requires=istmd-tgtd.service' "$tmp/root/lib/systemd/system/istmd.service"
if grep -v '^#' "$tmp/root/lib/systemd/system/istmd.service" | grep -q 'tgt\.service'; then
	echo "FAIL: istmd.service still pulls in tgt.service"
	fail=1
fi
[ $fail = 0 ] && echo "ok: the package builds and holds a complete install"
exit $fail
