#!/bin/bash
# tests/e2e/prepare.sh: fetches QEMU >= 8, the guest kernel and a debootstrap'ed guest root into a version-keyed cache (sourced by run-e2e.sh).
#
# Everything lands under $E2E_CACHE (default /var/cache/vfpool-e2e), outside
# the repository, in directories whose names carry the package versions, so a
# warm run finds them and skips downloads and debootstrap.  The host's own
# package state is untouched except for the tools installed by e2e_host_tools.
# Sets: QEMU_BIN QEMU_ENV (array) QEMU_DATA KVER KERNEL_DIR ROOTFS_BASE.

E2E_MIRROR=${E2E_MIRROR:-http://deb.debian.org/debian}
E2E_SECURITY_MIRROR=${E2E_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

# Guest userland: what docs/FIXTURE.md measured (libpam-systemd keeps debootstrap
# from failing on polkitd) plus the runtime libraries vfpool links.
E2E_GUEST_PACKAGES="libvirt-daemon-system,libvirt-clients,qemu-system-x86,iproute2,kmod,pciutils,dbus,systemd-sysv,udev,libpam-systemd,libglib2.0-0,libxml2,libnl-3-200,libnl-route-3-200,libvirt0,libjson-glib-1.0-0,procps,psmisc"

# Guest kernel modules (dependencies are added from modules.dep).
# bridge: the standby virtio NIC of the failover scenarios (extra/08, 09) sits on one.
E2E_GUEST_MODULES="igb igbvf vfio vfio_iommu_type1 vfio-pci virtio_pci virtio_blk ext4 tun bridge"
E2E_INITRD_MODULES="virtio_pci virtio_blk ext4"

e2e_log () { printf 'e2e-host: %s\n' "$*" >&2; }
e2e_die () { e2e_log "error: $*"; exit 2; }

e2e_host_tools () {
  local need=() t
  for t in debootstrap:debootstrap depmod:kmod modprobe:kmod cpio:cpio \
           mke2fs:e2fsprogs /usr/share/seabios/bios-256k.bin:seabios \
           xz:xz-utils zstd:zstd timeout:coreutils gzip:gzip; do
    case ${t%%:*} in
      /*) [ -e "${t%%:*}" ] || need+=("${t#*:}") ;;
      *) command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t#*:}") ;;
    esac
  done
  # The initramfs runs busybox with no libraries: it must be the static one.
  e2e_host_has busybox-static || need+=(busybox-static)
  [ ${#need[@]} -eq 0 ] && return 0
  e2e_log "installing host tools: ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

# apt-get/apt-cache on a private sources list, lists dir and cache dir.
e2e_apt_setup () {
  APTDIR=$E2E_CACHE/apt
  mkdir -p "$APTDIR/lists/partial" "$APTDIR/cache/archives/partial" "$APTDIR/etc"
  cat > "$APTDIR/etc/e2e.sources" <<EOF
Types: deb
URIs: $E2E_MIRROR
Suites: bookworm bookworm-updates bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $E2E_SECURITY_MIRROR
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  APTO=(-o "Dir::Etc::SourceList=$APTDIR/etc/e2e.sources" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$APTDIR/lists" -o "Dir::Cache=$APTDIR/cache"
        -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  # Lists are refreshed once a day: a warm run must not depend on the mirror,
  # but week-old lists name packages the mirror no longer has.
  local stamp=$APTDIR/lists/.updated
  if [ -n "${E2E_OFFLINE:-}" ] && [ -e "$stamp" ]; then return 0; fi
  if [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
    e2e_log "apt-get update (private lists)"
    apt-get -qq "${APTO[@]}" update >/dev/null || e2e_die "apt-get update failed"
    touch "$stamp"
  fi
}

e2e_apt_get () { apt-get -qq "${APTO[@]}" "$@"; }
e2e_apt_cache () { apt-cache "${APTO[@]}" "$@"; }

# Version of @1 (pkg or pkg/suite) apt would download.
e2e_version () {
  local pkg=${1%/*} suite=
  [ "$1" != "$pkg" ] && suite=${1#*/}
  if [ -n "$suite" ]; then
    e2e_apt_cache madison "$pkg" | awk -F' *\\| *' -v s="$suite" '$3 ~ "(^| )"s"/" {print $2; exit}'
  else
    e2e_apt_cache policy "$pkg" | awk '/Candidate:/ {print $2; exit}'
  fi
}

e2e_host_has () {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

# Downloads @@ (pkg or pkg/suite) plus every library they depend on that
# the host lacks, and unpacks them all into @1.
e2e_fetch_closure () {
  local dest=$1; shift
  local -A seen=()
  local queue=("$@") dl=() p name deps d
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}; queue=("${queue[@]:1}")
    name=${p%/*}
    [ -n "${seen[$name]:-}" ] && continue
    seen[$name]=1
    dl+=("$p")
    deps=$(e2e_apt_cache show "$p" 2>/dev/null | awk '/^Depends:/ {sub(/^Depends: /,""); print; exit}')
    IFS=',' read -ra parts <<< "$deps"
    for d in "${parts[@]}"; do
      d=${d%%|*}; d=${d%%(*}; d=${d// /}; d=${d%%:any}
      [ -z "$d" ] && continue
      case $d in seabios|ipxe-qemu|qemu-system-*) continue ;; esac
      [ -n "${seen[$d]:-}" ] && continue
      e2e_host_has "$d" && continue
      e2e_apt_cache show "$d" >/dev/null 2>&1 || continue   # virtual
      queue+=("$d")
    done
  done
  mkdir -p "$dest.tmp/debs"
  (cd "$dest.tmp/debs" && e2e_apt_get download "${dl[@]}") || e2e_die "download of ${dl[*]} failed"
  for d in "$dest.tmp/debs"/*.deb; do dpkg -x "$d" "$dest.tmp/root"; done
  rm -rf "$dest.tmp/debs"
  mv "$dest.tmp/root" "$dest"
  rm -rf "$dest.tmp"
}

e2e_prepare_qemu () {
  local ver
  ver=$(e2e_version qemu-system-x86/bookworm-backports)
  [ -n "$ver" ] || e2e_die "no qemu-system-x86 in bookworm-backports"
  QEMU_PREFIX=$E2E_CACHE/qemu-${ver//[:~+]/_}
  if [ ! -x "$QEMU_PREFIX/usr/bin/qemu-system-x86_64" ]; then
    e2e_log "fetching QEMU $ver"
    rm -rf "$QEMU_PREFIX" "$QEMU_PREFIX.tmp"
    e2e_fetch_closure "$QEMU_PREFIX" qemu-system-x86/bookworm-backports \
      qemu-system-common/bookworm-backports qemu-system-data/bookworm-backports
  fi
  QEMU_BIN=$QEMU_PREFIX/usr/bin/qemu-system-x86_64
  QEMU_DATA=$QEMU_PREFIX/usr/share/qemu
  # The private prefix's modules and libraries, not the host's.
  QEMU_ENV=(QEMU_MODULE_DIR="$QEMU_PREFIX/usr/lib/x86_64-linux-gnu/qemu"
            LD_LIBRARY_PATH="$QEMU_PREFIX/usr/lib/x86_64-linux-gnu:$QEMU_PREFIX/lib/x86_64-linux-gnu")
  env "${QEMU_ENV[@]}" "$QEMU_BIN" -device help 2>&1 | grep -q '"igb"' \
    || e2e_die "$QEMU_BIN has no igb device (or does not run)"
}

e2e_prepare_kernel () {
  local img ver
  img=$(e2e_apt_cache depends linux-image-amd64/bookworm-security 2>/dev/null \
        | awk '/Depends: linux-image-6/ {print $2; exit}')
  [ -n "$img" ] || img=$(e2e_apt_cache depends linux-image-amd64 | awk '/Depends: linux-image-6/ {print $2; exit}')
  [ -n "$img" ] || e2e_die "cannot resolve linux-image-amd64"
  KVER=${img#linux-image-}
  ver=$(e2e_version "$img")
  KERNEL_DIR=$E2E_CACHE/kernel-$KVER-${ver//[:~+]/_}
  if [ ! -e "$KERNEL_DIR/boot/vmlinuz-$KVER" ]; then
    e2e_log "fetching $img $ver"
    rm -rf "$KERNEL_DIR" "$KERNEL_DIR.tmp"
    mkdir -p "$KERNEL_DIR.tmp/debs"
    (cd "$KERNEL_DIR.tmp/debs" && e2e_apt_get download "$img") || e2e_die "download of $img failed"
    dpkg -x "$KERNEL_DIR.tmp/debs"/*.deb "$KERNEL_DIR.tmp/root"
    rm -rf "$KERNEL_DIR.tmp/debs"
    mv "$KERNEL_DIR.tmp/root" "$KERNEL_DIR"; rm -rf "$KERNEL_DIR.tmp"
  fi
}

e2e_prepare_rootfs () {
  local key p
  # Key: the candidate version of every package named (dependencies move
  # with them in practice; a stale base is one `rm -rf` away).
  key=$(for p in ${E2E_GUEST_PACKAGES//,/ }; do printf '%s=%s\n' "$p" "$(e2e_version "$p/bookworm")"; done | sha256sum | cut -c1-16)
  ROOTFS_BASE=$E2E_CACHE/rootfs-bookworm-$key
  if [ ! -e "$ROOTFS_BASE/.complete" ]; then
    e2e_log "debootstrap guest root (key $key)"
    rm -rf "$ROOTFS_BASE"
    mkdir -p "$E2E_CACHE/debootstrap-debs"
    debootstrap --variant=minbase --include="$E2E_GUEST_PACKAGES" \
      --cache-dir="$E2E_CACHE/debootstrap-debs" \
      bookworm "$ROOTFS_BASE" "$E2E_MIRROR" > "$E2E_CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$E2E_CACHE/debootstrap.log" >&2; e2e_die "debootstrap failed (log: $E2E_CACHE/debootstrap.log)"; }
    # Slim the image: docs and apt caches are never used in the guest.
    rm -rf "$ROOTFS_BASE"/usr/share/{doc,man,info,locale} "$ROOTFS_BASE"/var/cache/apt/archives/*.deb \
           "$ROOTFS_BASE"/var/lib/apt/lists/*
    touch "$ROOTFS_BASE/.complete"
  fi
}

e2e_prepare () {
  E2E_CACHE=${E2E_CACHE:-/var/cache/vfpool-e2e}
  mkdir -p "$E2E_CACHE"
  e2e_host_tools
  e2e_apt_setup
  e2e_prepare_qemu
  e2e_prepare_kernel
  e2e_prepare_rootfs
}
