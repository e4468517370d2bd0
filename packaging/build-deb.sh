#!/bin/sh
# build-deb.sh: build the vfpool .deb from this source tree in a temporary
# copy (the tree is left untouched) and check what the package holds.
#
# Usage: packaging/build-deb.sh [--check] [OUTDIR]   (default: current directory)
#
# By default the package is built without running the test suite again
# (DEB_BUILD_OPTIONS=nocheck, about a minute): run `make check` in the tree
# first, as CI does.  --check runs the whole suite inside the package build
# too (several minutes more).  Installs dpkg-dev, debhelper and the
# Build-Depends with apt-get when missing (uses sudo when not root).
# Then `lintian -E --pedantic` on the .deb when lintian is installed, and
# tests/packaging/deb-chroot.sh tries it in a fresh Debian chroot.
set -eu

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
if [ "$check" -eq 0 ]; then
  DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}"
  export DEB_BUILD_OPTIONS
fi

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$PWD}
mkdir -p "$out"
out=$(cd "$out" && pwd)

SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
need=""
for p in dpkg-dev debhelper build-essential autoconf automake libtool pkg-config \
         libglib2.0-dev libxml2-dev libvirt-dev libnl-3-dev libnl-route-3-dev libcmocka-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need="$need $p"
done
if [ -n "$need" ]; then
  echo "build-deb: installing$need"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A clean copy: tracked files when this is a git checkout (no build
# products, no generated configure), otherwise everything but build output.
mkdir "$work/vfpool"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  # the work tree as it is, uncommitted edits included
  git -C "$src" ls-files -z --cached --others --exclude-standard \
    | (cd "$src" && xargs -0 tar -cf - --no-recursion --ignore-failed-read) \
    | tar -C "$work/vfpool" -xf -
else
  tar -C "$src" -cf - --exclude=./autom4te.cache --exclude='./tests/_inst*' . \
    | tar -C "$work/vfpool" -xf -
fi
[ -d "$work/vfpool/debian" ] || { echo "build-deb: no debian/ in $src" >&2; exit 1; }

(cd "$work/vfpool" && dpkg-buildpackage -us -uc -b)

deb=$(ls "$work"/vfpool_*.deb)
contents=$(dpkg -c "$deb")
missing=0
for f in './etc/libvirt/hooks/qemu.d/vfpool -> /usr/sbin/vfpool-hook' \
         './etc/libvirt/hooks/network.d/vfpool -> /usr/sbin/vfpool-hook' ./usr/sbin/vfpool-hook \
         ./usr/sbin/vfpoolctl ./usr/sbin/vfpool-hotplug ./usr/share/doc/vfpool/README.md.gz ./usr/share/doc/vfpool/GUIDE.md.gz \
         ./usr/share/man/man7/vfpool.7.gz ./usr/share/man/man8/vfpoolctl.8.gz ./usr/share/man/man8/vfpool-hook.8.gz \
         ./usr/share/man/man5/vfpool.conf.5.gz ./usr/share/man/man5/vfpool-sriov.conf.5.gz ./lib/systemd/system/vfpool-vfs.service \
         ./lib/systemd/system/vfpool-guests.service \
         ./lib/systemd/system/vfpool-net-sync.service \
         ./usr/share/bash-completion/completions/vfpoolctl \
         ./etc/vfpool/sriov.conf.sample ./etc/vfpool/pools.d/example.conf.sample; do
  # each line of dpkg -c ends with the path (and " -> TARGET" for a link)
  if printf '%s\n' "$contents" | grep -q -- " $(printf '%s' "$f" | sed 's/[].[*^$\\]/\\&/g')\$"; then
    echo "build-deb: ok  $f"
  else
    echo "build-deb: MISSING $f" >&2
    missing=1
  fi
done
if ! dpkg-deb -I "$deb" postinst | grep -q 'systemctl restart libvirtd'; then
  echo "build-deb: postinst does not tell the admin to restart libvirt" >&2
  missing=1
fi
[ "$missing" -eq 0 ] || exit 1
# Every tag lintian shows, pedantic and experimental ones included, fails the
# build: the package has no overrides.
if command -v lintian >/dev/null; then
  lintian -E --pedantic --fail-on error,warning,info,pedantic,experimental "$deb"
  echo "build-deb: lintian -E --pedantic: clean"
else
  echo "build-deb: lintian is not installed: not run"
fi
cp "$deb" "$out/"
echo "build-deb: $out/$(basename "$deb")"
