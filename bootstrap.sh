#!/bin/sh
# bootstrap.sh: install the Debian 12 build dependencies (idempotent, no
# prompts), generate the build system and configure it for a real host
# (/usr, /etc, /var so the hook lands in /etc/libvirt/hooks/qemu.d).
# Extra arguments go to configure.
set -eu
cd "$(dirname "$0")"

deps="build-essential autoconf automake libtool pkg-config \
  libglib2.0-dev libxml2-dev libvirt-dev libnl-3-dev libnl-route-3-dev \
  libcmocka-dev libjson-glib-dev libxml2-utils"

missing=""
for p in $deps; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bootstrap: installing$missing"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

autoreconf -fi
./configure --prefix=/usr --sysconfdir=/etc --localstatedir=/var "$@"
