#!/bin/bash
# tests/e2e/run-e2e.sh: make check-e2e — boots QEMU's emulated SR-IOV igb under TCG with vfpool installed in the guest and runs the scenarios there.
#
# Environment (make passes the first two):
#   E2E_SRCDIR    top source dir            E2E_BUILDDIR  top build dir (already built)
#   E2E_CACHE     download cache (default /var/cache/vfpool-e2e)
#   E2E_SCENARIOS extra guest scenario scripts, run after the standard ones
#   E2E_ONLY      run only these standard scenarios (names without .sh, space separated)
#   E2E_NUMVFS    VFs to enable on the PF (default 4, igb has 7)
#   E2E_TIMEOUT   wall limit of one QEMU run in seconds (default 1500)
#   E2E_SCENARIO_TIMEOUT  limit per guest scenario (default 480; a script may
#                 raise its own with a "# e2e-timeout: SECONDS" line)
#   E2E_SILENCE   seconds without console output that count as a hang (default 420)
#   E2E_KEEP      keep the work dir (image, initramfs) after the run
#   E2E_SKIP_INSTALL  boot without `make install` (fixture work while the project does not build)
#   E2E_BENCH_ROUNDS, E2E_BENCH_BUDGET  passed to bench/bench-start.sh (make bench-e2e)
# Exit: 0 all passed, 1 a scenario failed, 2 the fixture itself failed.
set -euo pipefail

E2E_SRCDIR=$(cd "${E2E_SRCDIR:-$(dirname "$0")/../..}" && pwd)
E2E_BUILDDIR=$(cd "${E2E_BUILDDIR:-.}" && pwd)
E2E_NUMVFS=${E2E_NUMVFS:-4}
E2E_TIMEOUT=${E2E_TIMEOUT:-1500}
E2E_SILENCE=${E2E_SILENCE:-420}
E2E_DIR=$E2E_SRCDIR/tests/e2e
WORK=$E2E_BUILDDIR/tests/e2e/work
LOGDIR=$E2E_BUILDDIR/tests/e2e

# shellcheck source=prepare.sh
. "$E2E_DIR/prepare.sh"

[ "$(id -u)" = 0 ] || e2e_die "check-e2e needs root (debootstrap, apt-get, mke2fs of a root-owned tree)"
t_start=$SECONDS

e2e_prepare
t_prepared=$SECONDS
e2e_log "cache ready in $((t_prepared - t_start)) s: QEMU $QEMU_BIN, kernel $KVER"

# ---- guest image ---------------------------------------------------------
rm -rf "$WORK"
mkdir -p "$WORK"
ROOT=$WORK/root
cp -a "$ROOTFS_BASE" "$ROOT"
rm -f "$ROOT/.complete"

# Modules: the closure of what the fixture needs, from the cached kernel.
KMOD=$KERNEL_DIR/lib/modules/$KVER
[ -e "$KMOD/modules.dep" ] || depmod -b "$KERNEL_DIR" "$KVER"
mods=$(modprobe -d "$KERNEL_DIR" -S "$KVER" --show-depends -a $E2E_GUEST_MODULES | awk '$1 == "insmod" {print $2}' | sort -u)
for m in $mods; do
  rel=${m#"$KERNEL_DIR"}
  mkdir -p "$ROOT$(dirname "$rel")"
  cp "$m" "$ROOT$rel"
done
cp "$KMOD"/modules.order "$KMOD"/modules.builtin* "$ROOT/lib/modules/$KVER/"
depmod -b "$ROOT" "$KVER"

# The project, exactly as `make install` lays it out.
if [ -n "${E2E_SKIP_INSTALL:-}" ]; then
  e2e_log "E2E_SKIP_INSTALL set: the guest gets no vfpool (only nl-probe)"
else
  make -C "$E2E_BUILDDIR" install DESTDIR="$ROOT" >"$WORK/install.log" 2>&1 \
    || { tail -20 "$WORK/install.log" >&2; e2e_die "make install DESTDIR=… failed"; }
fi
# The hook is /usr/sbin/vfpool-hook, run through an absolute symlink in qemu.d.
{ [ -L "$ROOT/etc/libvirt/hooks/qemu.d/vfpool" ] && [ -x "$ROOT/usr/sbin/vfpool-hook" ]; } \
  || e2e_log "warning: the hook was not installed (/usr/sbin/vfpool-hook and its link /etc/libvirt/hooks/qemu.d/vfpool)"

mkdir -p "$ROOT/e2e/scenarios" "$ROOT/e2e/extra"
install -m 0755 "$E2E_DIR/guest/init.sh" "$ROOT/e2e/init"
install -m 0644 "$E2E_DIR/guest/lib.sh" "$ROOT/e2e/lib.sh"
for s in "$E2E_DIR"/scenarios/*.sh; do
  name=$(basename "$s" .sh)
  if [ -n "${E2E_ONLY:-}" ] && ! [[ " $E2E_ONLY " == *" $name "* ]]; then continue; fi
  install -m 0755 "$s" "$ROOT/e2e/scenarios/"
done
i=0
for s in ${E2E_SCENARIOS:-}; do
  [ -f "$s" ] || e2e_die "extra scenario $s does not exist"
  i=$((i + 1))
  install -m 0755 "$s" "$ROOT/e2e/extra/$(printf '%02d' $i)-$(basename "$s")"
done
[ -x "$E2E_BUILDDIR/tests/e2e/nl-probe" ] && install -m 0755 "$E2E_BUILDDIR/tests/e2e/nl-probe" "$ROOT/e2e/nl-probe"
cat > "$ROOT/e2e/config" <<EOF
E2E_NUMVFS=$E2E_NUMVFS
E2E_SCENARIO_TIMEOUT=${E2E_SCENARIO_TIMEOUT:-480}
E2E_BENCH_ROUNDS=${E2E_BENCH_ROUNDS:-}
E2E_BENCH_BUDGET=${E2E_BENCH_BUDGET:-}
EOF

# ---- nested guest kit: kernel + a busybox initramfs that DHCPs over a VF ----
# (used by extra/06-nested-dhcp.sh and the failover scenarios 08/09: virtio_net
# brings net_failover and failover; cheap enough to always ship)
NIRD=$WORK/nested-initramfs
mkdir -p "$NIRD/bin" "$NIRD/mods" "$ROOT/e2e/nested"
cp /bin/busybox "$NIRD/bin/busybox"
: > "$NIRD/mods/order"
for m in $(modprobe -d "$KERNEL_DIR" -S "$KVER" --show-depends -a igbvf virtio_pci virtio_net | awk '$1 == "insmod" {print $2}'); do
  b=$(basename "$m")
  grep -qx "$b" "$NIRD/mods/order" && continue
  cp "$m" "$NIRD/mods/"; echo "$b" >> "$NIRD/mods/order"
done
install -m 0755 "$E2E_DIR/guest/nested-init.sh" "$NIRD/init"
(cd "$NIRD" && find . | cpio -o -H newc --quiet | gzip -1) > "$ROOT/e2e/nested/initrd.gz"
cp "$KERNEL_DIR/boot/vmlinuz-$KVER" "$ROOT/e2e/nested/vmlinuz"
rm -rf "$NIRD"

rm -f "$WORK/rootfs.img"
mke2fs -q -F -t ext4 -L e2eroot -d "$ROOT" "$WORK/rootfs.img" 2G >/dev/null
rm -rf "$ROOT"

# ---- initramfs: busybox + the modules that reach the ext4 root ------------
IRD=$WORK/initramfs
mkdir -p "$IRD/bin" "$IRD/mods"
cp /bin/busybox "$IRD/bin/busybox"
: > "$IRD/mods/order"
for m in $(modprobe -d "$KERNEL_DIR" -S "$KVER" --show-depends -a $E2E_INITRD_MODULES | awk '$1 == "insmod" {print $2}'); do
  b=$(basename "$m")
  grep -qx "$b" "$IRD/mods/order" && continue
  cp "$m" "$IRD/mods/$b"
  echo "$b" >> "$IRD/mods/order"
done
cat > "$IRD/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /newroot
mount -t proc proc /proc
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod /mods/$m 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
mount -t ext4 /dev/vda /newroot || { echo "e2e: FATAL cannot mount /dev/vda"; poweroff -f; }
umount /proc /dev
exec switch_root /newroot /e2e/init
EOF
chmod 0755 "$IRD/init"
(cd "$IRD" && find . | cpio -o -H newc --quiet | gzip -1) > "$WORK/initrd.gz"
t_image=$SECONDS
e2e_log "guest image built in $((t_image - t_prepared)) s"

# ---- run ------------------------------------------------------------------
# Prints the console's "e2e:" lines as they come; kills QEMU after
# E2E_SILENCE seconds without output (the known rare TCG hang).
run_qemu () {
  local log=$1 printed=0 size last_size=-1 last_change=$SECONDS qpid rc
  : > "$log"
  env "${QEMU_ENV[@]}" timeout -k 10 "$E2E_TIMEOUT" "$QEMU_BIN" \
    -machine q35,accel=tcg -cpu max -smp 2 -m 3072 \
    -L "$QEMU_DATA" -L /usr/share/seabios \
    -device intel-iommu,intremap=on,caching-mode=on \
    -device pcie-root-port,id=rp1,chassis=1,slot=1 \
    -netdev user,id=n0 -device igb,netdev=n0,bus=rp1 \
    -kernel "$KERNEL_DIR/boot/vmlinuz-$KVER" -initrd "$WORK/initrd.gz" \
    -append "console=ttyS0 intel_iommu=on iommu=pt panic=-1 quiet loglevel=3" \
    -drive file="$WORK/rootfs.img",if=virtio,format=raw,snapshot=on \
    -nographic -no-reboot -nodefaults -serial stdio </dev/null >"$log" 2>&1 &
  qpid=$!
  HUNG=
  while kill -0 "$qpid" 2>/dev/null; do
    sleep 3
    size=$(stat -c %s "$log")
    if [ "$size" != "$last_size" ]; then
      last_size=$size; last_change=$SECONDS
      local n
      n=$(wc -l < "$log")
      sed -n "$((printed + 1)),${n}p" "$log" | tr -d '\r' | grep -E '^e2e: |^[0-9]+ passed, [0-9]+ failed' || true
      printed=$n
    elif [ $((SECONDS - last_change)) -ge "$E2E_SILENCE" ]; then
      e2e_log "no console output for $E2E_SILENCE s: killing QEMU (TCG hang?)"
      HUNG=silence
      kill "$qpid" 2>/dev/null || true
    fi
  done
  rc=0; wait "$qpid" || rc=$?
  sed -n "$((printed + 1)),\$p" "$log" | tr -d '\r' | grep -E '^e2e: |^[0-9]+ passed, [0-9]+ failed' || true
  [ "$rc" = 124 ] && HUNG=timeout
  return 0
}

summary () { tr -d '\r' < "$1" | { grep -E '^[0-9]+ passed, [0-9]+ failed$' || true; } | tail -1; }

LOG=$LOGDIR/console.log
run_qemu "$LOG"
retried=
if [ -z "$(summary "$LOG")" ]; then
  reason=${HUNG:-"QEMU exited without a summary"}
  cp "$LOG" "$LOGDIR/console-attempt1.log"
  e2e_log "run 1 ended without a summary ($reason); retrying once (log: $LOGDIR/console-attempt1.log)"
  retried="retried once after: $reason"
  run_qemu "$LOG"
fi
t_end=$SECONDS

res=$(summary "$LOG")
if [ -z "$res" ]; then
  tr -d '\r' < "$LOG" | tail -40 >&2
  e2e_die "the guest never reported a result (${HUNG:-no summary}); console: $LOG"
fi

# Show the output of failed scenarios.
for f in $(tr -d '\r' < "$LOG" | awk '/^e2e: FAIL / {print $3}'); do
  echo "---- output of $f ----"
  tr -d '\r' < "$LOG" | awk -v s="$f" '$0 == "e2e: BEGIN " s {p=1; next} $0 == "e2e: END " s {p=0} p'
done

[ -n "${E2E_KEEP:-}" ] || rm -rf "$WORK"
echo "check-e2e: $res (prepare $((t_prepared - t_start)) s, image $((t_image - t_prepared)) s, guest $((t_end - t_image)) s, total $((t_end - t_start)) s${retried:+; $retried})"
echo "check-e2e: console log $LOG"
failed=$(echo "$res" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed$/\1/')
[ "$failed" = 0 ]
