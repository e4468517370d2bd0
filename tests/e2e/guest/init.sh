#!/bin/bash
# guest/init.sh: PID 1 of the e2e guest — enables the igb VFs, starts libvirtd with the vfpool hook, runs every scenario and reports on the serial console.
#
# Console protocol read by run-e2e.sh: "e2e: BEGIN/END NAME" around each
# scenario's output (indented "  | "), "e2e: PASS NAME (…)" or
# "e2e: FAIL NAME (…)", and last "N passed, N failed".
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C TERM=dumb

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -o remount,rw /
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /var/log/libvirt
hostname e2e
echo 1 > /proc/sys/kernel/sysrq

. /e2e/config
E2E_SCENARIO_TIMEOUT=${E2E_SCENARIO_TIMEOUT:-480}

t0=$SECONDS
# SeaBIOS leaves escape sequences on the console line: start a fresh one.
echo
say () { echo "e2e: $*"; }

poweroff_now () {
  sync
  echo o > /proc/sysrq-trigger
  sleep 30
}

fatal () {
  say "FATAL $*"
  echo "0 passed, 1 failed"
  poweroff_now
}

# ---- SR-IOV ---------------------------------------------------------------
modprobe -a igb igbvf vfio vfio_iommu_type1 vfio-pci || fatal "modprobe failed"

E2E_PF_PCI=
for i in $(seq 50); do
  for d in /sys/bus/pci/drivers/igb/0000:*; do
    [ -e "$d/sriov_totalvfs" ] && E2E_PF_PCI=$(basename "$d")
  done
  [ -n "$E2E_PF_PCI" ] && [ -d "/sys/bus/pci/devices/$E2E_PF_PCI/net" ] && break
  sleep 0.2
done
[ -n "$E2E_PF_PCI" ] || fatal "no igb PF found"
E2E_PF=$(ls "/sys/bus/pci/devices/$E2E_PF_PCI/net" | head -1)
echo "$E2E_NUMVFS" > "/sys/bus/pci/devices/$E2E_PF_PCI/sriov_numvfs" || fatal "cannot enable $E2E_NUMVFS VFs on $E2E_PF"
last=$((E2E_NUMVFS - 1))
for i in $(seq 100); do
  [ -e "/sys/bus/pci/devices/$E2E_PF_PCI/virtfn$last/driver" ] && break
  sleep 0.2
done
[ -e "/sys/bus/pci/devices/$E2E_PF_PCI/virtfn$last/driver" ] || fatal "VF $last did not get a driver"
/sbin/ip link set "$E2E_PF" up
# igb refuses a max tx rate while the PF has no link.
for i in $(seq 50); do
  [ "$(cat "/sys/class/net/$E2E_PF/carrier" 2>/dev/null)" = 1 ] && break
  sleep 0.2
done
say "SR-IOV: PF $E2E_PF ($E2E_PF_PCI), $E2E_NUMVFS VFs, carrier $(cat "/sys/class/net/$E2E_PF/carrier" 2>/dev/null) ($((SECONDS - t0)) s)"

# ---- libvirt ----------------------------------------------------------------
# No systemd as PID 1: no cgroups, namespaces or labels for QEMU (docs/FIXTURE.md).
cat >> /etc/libvirt/qemu.conf <<'EOF'
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
remember_owner = 0
EOF
# The default NAT network wants dnsmasq and a firewall; nothing here needs it.
rm -f /etc/libvirt/qemu/networks/autostart/default.xml

start_libvirtd () {
  libvirtd -d || return 1
  for i in $(seq 120); do
    virsh -q version >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}
virtlogd -d || fatal "virtlogd did not start"
# libvirtd reads hooks only at start: it starts now, after `make install`
# put the hook into the image.
[ -x /etc/libvirt/hooks/qemu.d/vfpool ] || say "warning: no vfpool hook installed"
start_libvirtd || fatal "libvirtd did not start"
# The first capability probe of QEMU takes seconds; pay it outside scenarios.
virsh -q capabilities >/dev/null 2>&1
virsh -q domcapabilities --virttype qemu --machine q35 >/dev/null 2>&1
say "libvirtd up ($((SECONDS - t0)) s)"

# ---- scenarios --------------------------------------------------------------
export E2E_PF E2E_PF_PCI E2E_NUMVFS E2E_DIR=/e2e E2E_LIB=/e2e/lib.sh
. /e2e/lib.sh

pass=0
fail=0
run_one () {
  local name=$1 script=$2 s0=$SECONDS rc limit
  # A scenario may ask for more time with a "# e2e-timeout: SECONDS" line.
  limit=$(sed -n 's/^# e2e-timeout: *\([0-9][0-9]*\).*/\1/p' "$script" | head -1)
  limit=${limit:-$E2E_SCENARIO_TIMEOUT}
  say "BEGIN $name"
  timeout -k 10 "$limit" bash "$script" </dev/null 2>&1 | sed -u 's/^/  | /'
  rc=${PIPESTATUS[0]}
  say "END $name"
  if [ "$rc" = 0 ]; then
    pass=$((pass + 1)); say "PASS $name ($((SECONDS - s0)) s)"
  else
    fail=$((fail + 1)); say "FAIL $name (exit $rc$([ "$rc" = 124 ] && echo ', timed out'), $((SECONDS - s0)) s)"
  fi
  # Leftovers of a failed scenario must not fail the next one too.
  e2e_cleanup_all "$name"
}

for s in /e2e/scenarios/*.sh; do
  [ -e "$s" ] && run_one "$(basename "$s" .sh)" "$s"
done
# Extra scenarios carry an order prefix (NN-) that is not part of their name.
for s in /e2e/extra/*.sh; do
  [ -e "$s" ] || continue
  n=$(basename "$s" .sh)
  run_one "extra:${n#[0-9][0-9]-}" "$s"
done
say "guest done in $((SECONDS - t0)) s"
echo "$pass passed, $fail failed"
poweroff_now
