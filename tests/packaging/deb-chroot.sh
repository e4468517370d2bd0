#!/bin/bash
# deb-chroot.sh: the built .deb on a fresh Debian 12, as a new operator gets
# it: install into a `debootstrap --variant=minbase bookworm` chroot with
# apt-get, run `vfpoolctl doctor`, upgrade over a modified hook without a
# prompt (same layout, and from the 0.1.0 layout where the hook binary was a
# conffile in qemu.d), remove, purge; after each step, nothing of vfpool may
# be left in qemu.d that libvirt would run.
#
# Usage (root): tests/packaging/deb-chroot.sh path/to/vfpool_VERSION_ARCH.deb
# The minbase chroot (with its apt lists) is cached as a tarball keyed by the
# date, in $VFP_CHROOT_CACHE (default /var/cache/vfpool-chroot, or
# ~/.cache/vfpool-chroot when that is not writable): the first run of a day
# runs debootstrap, later ones unpack the tarball.  DEBIAN_MIRROR overrides
# http://deb.debian.org/debian.
# Last line: "N passed, M failed"; exit 1 on failures, 2 if the chroot could
# not be set up.
set -u

die() { echo "deb-chroot: $*" >&2; exit 2; }
[ $# -eq 1 ] && [ -f "$1" ] || die "usage: $0 path/to/vfpool_VERSION_ARCH.deb"
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
t0=$(date +%s)

if ! command -v debootstrap >/dev/null; then
  echo "deb-chroot: installing debootstrap"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } \
    >/dev/null || die "cannot install debootstrap"
fi

cache=${VFP_CHROOT_CACHE:-/var/cache/vfpool-chroot}
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$HOME/.cache/vfpool-chroot
mkdir -p "$cache" || die "cannot create $cache"
arch=$(dpkg --print-architecture)
tarball=$cache/bookworm-minbase-$arch-$(date -u +%Y%m%d).tar
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/vfpool-chroot.XXXXXX")
root=$work/root
cleanup() {
  mountpoint -q "$root/proc" && umount "$root/proc"
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$root"

# ---- the chroot --------------------------------------------------------------
if [ -f "$tarball" ]; then
  setup=warm
  tar -C "$root" -xf "$tarball" || die "cannot unpack $tarball"
else
  setup=cold
  echo "deb-chroot: debootstrap --variant=minbase bookworm $mirror (cached in $tarball)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; die "debootstrap failed (log above)"; }
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  chroot "$root" apt-get update -qq > "$work/update.log" 2>&1 \
    || { cat "$work/update.log"; die "apt-get update in the chroot failed"; }
  # No daemon starts inside the chroot.
  printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  rm -f "$cache"/bookworm-minbase-"$arch"-*.tar
  tar -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball" || die "cannot write $tarball"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc" || die "cannot mount /proc in the chroot"
t_setup=$(( $(date +%s) - t0 ))

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
              DEBIAN_FRONTEND=noninteractive "$@"; }

HOOKDIR=/etc/libvirt/hooks/qemu.d
HOOK=$HOOKDIR/vfpool
BIN=/usr/sbin/vfpool-hook
NET_HOOK=/etc/libvirt/hooks/network.d/vfpool   # the network hook (network=yes pools)

# The package's files, through apt as an operator runs it; stdin is not a
# terminal, so a conffile prompt would fail the run instead of waiting.
apt_install() { in_root apt-get install -y --allow-downgrades "$@" < /dev/null > "$work/apt.log" 2>&1; }
no_prompt() { ! grep -q "Configuration file\|end of file on stdin" "$work/apt.log"; }
status_is() { [ "$(in_root dpkg-query -W -f='${db:Status-Abbrev}' vfpool 2>/dev/null | tr -d ' ')" = "$1" ]; }
hook_is_link() { [ -L "$root$HOOK" ] && [ "$(readlink "$root$HOOK")" = "$BIN" ] && [ -x "$root$BIN" ]; }
# What libvirt would run from qemu.d: executable files, through links too
# (resolved inside the chroot: the link's target is absolute).
runnable() { in_root find -L "$HOOKDIR" -mindepth 1 -type f -perm /111 2>/dev/null; }
only_runnable() { [ "$(runnable | tr '\n' ' ')" = "$* " ] || { [ $# -eq 0 ] && [ -z "$(runnable)" ]; }; }
no_dangling() { [ -z "$(in_root find "$HOOKDIR" -mindepth 1 -xtype l 2>/dev/null)" ]; }
no_dpkg_new() { [ -z "$(find "$root$HOOKDIR" -mindepth 1 -name '*.dpkg-new' 2>/dev/null)" ]; }
same_as_deb() { cmp -s "$root$BIN" "$work/new/usr/sbin/vfpool-hook"; }
# upgrade_checks WHAT DEB: install DEB over what is there; no prompt, no
# failure, the hook link in place and nothing else in qemu.d for libvirt.
upgrade_checks() {
  local rc
  apt_install "$2"; rc=$?
  check "$1: no failure (rc=$rc)" test "$rc" = 0
  [ "$rc" = 0 ] || tail -20 "$work/apt.log"
  check "$1: no conffile prompt" no_prompt
  check "$1: package installed" status_is ii
  check "$1: $HOOK is a link to $BIN" hook_is_link
  check "$1: no *.dpkg-new in qemu.d" no_dpkg_new
  check "$1: libvirt would run the hook and nothing else" only_runnable "$HOOK"
}

# Packages made from this one, by dpkg-deb on its unpacked tree: a later
# version of the same layout, and the 0.1.0 layout (the binary as the
# conffile qemu.d/vfpool, nothing in /usr/sbin).
dpkg-deb -R "$deb" "$work/new" || die "cannot unpack $deb"
version=$(sed -n 's/^Version: //p' "$work/new/DEBIAN/control")
cp -a "$work/new" "$work/next"
sed -i "s/^Version: .*/Version: $version+chroot1/" "$work/next/DEBIAN/control"
cp -a "$work/new" "$work/old"
rm "$work/old$HOOK" "$work/old$NET_HOOK"
mv "$work/old$BIN" "$work/old$HOOK"
echo "$HOOK" >> "$work/old/DEBIAN/conffiles"
sed -i "s|  ${BIN#/}\$|  ${HOOK#/}|" "$work/old/DEBIAN/md5sums"
sed -i "s/^Version: .*/Version: 0.1.0/" "$work/old/DEBIAN/control"
for d in next old; do
  dpkg-deb --root-owner-group -b "$work/$d" "$root/tmp/vfpool-$d.deb" > /dev/null \
    || die "cannot build the $d package"
done
cp "$deb" "$root/tmp/vfpool-new.deb"
t_prep=$(( $(date +%s) - t0 ))

# ---- install ------------------------------------------------------------------
apt_install /tmp/vfpool-new.deb; rc=$?
check "install $version with apt-get (rc=$rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -20 "$work/apt.log"
check "install: package installed" status_is ii
check "install: $HOOK is a link to $BIN" hook_is_link
check "install: the hook link is no conffile" \
  sh -c "! chroot '$root' dpkg-query -W -f='\${Conffiles}' vfpool | grep -q qemu.d"
check "install: libvirt would run the hook and nothing else" only_runnable "$HOOK"
check "install: $NET_HOOK is a link to $BIN" \
  test -L "$root$NET_HOOK" -a "$(readlink "$root$NET_HOOK")" = "$BIN"
check "install: vfpool-net-sync.service enabled (wanted by libvirtd)" \
  test -L "$root/etc/systemd/system/libvirtd.service.wants/vfpool-net-sync.service"
check "install: vfpool-vfs.service enabled" \
  test -L "$root/etc/systemd/system/multi-user.target.wants/vfpool-vfs.service"
check "install: vfpool-guests.service enabled" \
  test -L "$root/etc/systemd/system/multi-user.target.wants/vfpool-guests.service"
check "install: its stop runs host-shutdown only while the system goes down" \
  grep -q 'is-system-running)" = stopping ]; then exec /usr/sbin/vfpoolctl host-shutdown' "$root/lib/systemd/system/vfpool-guests.service"
check "install: README.md and GUIDE.md in /usr/share/doc/vfpool" \
  test -f "$root/usr/share/doc/vfpool/README.md.gz" -a -f "$root/usr/share/doc/vfpool/GUIDE.md.gz"
check "install: the hook runs (exit 2 without arguments)" \
  sh -c "chroot '$root' $HOOK </dev/null >/dev/null 2>&1; test \$? = 2"

# ---- doctor ---------------------------------------------------------------------
# No SR-IOV, no IOMMU, no libvirtd here: failures are expected, a crash is not.
in_root vfpoolctl doctor > "$work/doctor.txt" 2>&1; rc=$?
check "doctor: exits 0 or 1, no crash (rc=$rc)" test "$rc" -le 1
check "doctor: the hook link passes" grep -q "^\[PASS\] hook: $HOOK -> $BIN" "$work/doctor.txt"
check "doctor: the hot-plug worker beside the hook passes" \
  grep -q "^\[PASS\] hotplug-worker: /usr/sbin/vfpool-hotplug is installed beside the hook" "$work/doctor.txt"
[ "$rc" -le 1 ] && grep -q "^\[PASS\] hook" "$work/doctor.txt" || cat "$work/doctor.txt"

# ---- upgrade over a modified hook, same layout ------------------------------------
printf 'local edit\n' >> "$root$BIN"
printf '#!/bin/sh\nexit 0\n' > "$work/mine"
rm "$root$HOOK" && install -m 0755 "$work/mine" "$root$HOOK"
upgrade_checks "upgrade to $version+chroot1 over a modified hook" /tmp/vfpool-next.deb
check "upgrade: the binary is the package's again" same_as_deb

# ---- upgrade from 0.1.0 (hook binary was a conffile), modified ----------------------
in_root dpkg --purge vfpool > /dev/null 2>&1
apt_install /tmp/vfpool-old.deb; rc=$?
check "0.1.0 layout installed (rc=$rc)" test "$rc" = 0 -a -f "$root$HOOK" -a ! -L "$root$HOOK"
printf 'local edit\n' >> "$root$HOOK"
upgrade_checks "upgrade 0.1.0 -> $version over a modified hook conffile" /tmp/vfpool-new.deb
check "upgrade 0.1.0 -> $version: the modified hook kept, not executable, as vfpool.dpkg-bak" \
  test -f "$root$HOOK.dpkg-bak" -a ! -x "$root$HOOK.dpkg-bak"
in_root vfpoolctl doctor > "$work/doctor.txt" 2>&1
check "upgrade 0.1.0 -> $version: doctor reports no leftover hook" \
  sh -c "! grep -q '^\[FAIL\] hook' '$work/doctor.txt'"

# ---- remove, purge ---------------------------------------------------------------------
# State and history as a host that ran domains has them.
mkdir -p "$root/run/vfpool/leases" "$root/var/lib/vfpool/sticky"
echo lease > "$root/run/vfpool/leases/0000:01:10.0"
echo sticky > "$root/var/lib/vfpool/sticky/11111111-2222-3333-4444-555555555555"
in_root apt-get remove -y vfpool < /dev/null > "$work/apt.log" 2>&1; rc=$?
check "remove (rc=$rc)" test "$rc" = 0
check "remove: package in config-files state" status_is rc
check "remove: nothing in qemu.d that libvirt would run" only_runnable
check "remove: no dangling link in qemu.d" no_dangling
check "remove: the network hook link gone" test ! -e "$root$NET_HOOK" -a ! -L "$root$NET_HOOK"
check "remove: vfpoolctl and the hook binary gone" \
  test ! -e "$root/usr/sbin/vfpoolctl" -a ! -e "$root$BIN"
check "remove: history kept" test -f "$root/var/lib/vfpool/sticky/11111111-2222-3333-4444-555555555555"
in_root apt-get purge -y vfpool < /dev/null > "$work/apt.log" 2>&1; rc=$?
check "purge (rc=$rc)" test "$rc" = 0
check "purge: package gone from dpkg" sh -c "! chroot '$root' dpkg-query -W vfpool >/dev/null 2>&1"
check "purge: state /run/vfpool gone" test ! -e "$root/run/vfpool"
check "purge: history /var/lib/vfpool gone" test ! -e "$root/var/lib/vfpool"
check "purge: /etc/vfpool gone" test ! -e "$root/etc/vfpool"
check "purge: nothing of vfpool left in qemu.d" \
  test -z "$(find "$root$HOOKDIR" -mindepth 1 -name 'vfpool*' 2>/dev/null)"

t_total=$(( $(date +%s) - t0 ))
echo "deb-chroot: chroot $setup ${t_setup}s, packages ${t_prep}s, total ${t_total}s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
