#!/bin/bash
# extra/08-failover-measure.sh: opt-in — measures libvirt/QEMU failover teaming (igb VF primary + virtio standby, hand-written XML, no vfpool) across managedsave/restore, a restore whose VF is taken, managedsave-define re-pointing, a memory snapshot, and detach/attach of the primary.
# Run: make check-e2e E2E_ONLY=none E2E_SCENARIOS=$srcdir/tests/e2e/extra/08-failover-measure.sh E2E_TIMEOUT=3600
# Prints "MEASURE: step rc=N t=SECONDS ..." lines (docs/e2e.md, "Failover and
# managed save, measured").  The domain has no vfpool metadata: the hook does
# nothing; libvirt binds the VF to vfio-pci itself (managed='yes').
# e2e-timeout: 3000
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

C=/tmp/e2e-fo-console.log
MAC=52:54:00:e2:00:81
D=e2e-fo
A_IDX=1 B_IDX=2
A=$(vf_pci $A_IDX) B=$(vf_pci $B_IDX)
S0=$SECONDS
# A heartbeat: some steps (a nested boot, a save under TCG) are long and quiet.
( while kill -0 $$ 2>/dev/null; do sleep 50; log "08: running for $((SECONDS - S0)) s"; done ) &
snapshot_vfs
standby_network default

now () { date +%s.%N; }
dt () { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
# m STEP COMMAND...: runs COMMAND, prints its status, wall time and output.
m () {
  local step=$1 t; shift
  t=$(now)
  OUT=$("$@" 2>&1); RC=$?
  echo "MEASURE: $step rc=$RC t=$(dt "$t") cmd: $* :: $(echo "$OUT" | tr '\n' ' ' | cut -c1-400)"
}
note () { echo "MEASURE: $*"; }
hostdev_iface () {   # VF_PCI
  cat <<XML
<interface type='hostdev' managed='yes'>
  <mac address='$MAC'/>
  <source>$(hostdev_address "$1")</source>
  <teaming type='transient' persistent='ua-fo-sb0'/>
  <alias name='ua-fo-nic0'/>
</interface>
XML
}
standby_iface () {
  cat <<XML
<interface type='network'>
  <mac address='$MAC'/>
  <source network='default'/>
  <model type='virtio'/>
  <teaming type='persistent'/>
  <alias name='ua-fo-sb0'/>
</interface>
XML
}
vf_state () { echo "A($A)=$(vf_driver $A_IDX) B($B)=$(vf_driver $B_IDX); live iface VF: $(live_iface_vf $D 2>/dev/null || echo none)"; }
has_vf_live () { [ "$(live_iface_vf $D 2>/dev/null)" = "$1" ]; }
no_vf_live () { ! live_iface_vf $D >/dev/null 2>&1; }
# wait_primary MARK SECONDS WHAT: the guest reports a primary after MARK.
wait_primary () {
  local t; t=$(now)
  if wait_console "$2" "$3" primary_now "$C" "$1"; then
    note "$3: guest reports a primary after $(dt "$t") s: $(last_failover "$C" "$1")"; return 0
  fi
  note "$3: no primary in the guest after $2 s; last: $(last_failover "$C" "$1")"; return 1
}
# diag: what the VM got (its PCI functions, module errors, kernel warnings),
# QEMU's command line and QEMU's own view of the PCI bus.
diag () {
  log "nested console, everything but the periodic reports:"
  tr -d '\r' < "$C" | grep -av -e ' ifs:' -e 'FAILOVER' | tail -60
  log "QEMU command line:"
  grep -aE -- 'vfio-pci|virtio-net|failover' "/var/log/libvirt/qemu/$D.log" | tail -4 | cut -c1-300
  log "info pci:"; virsh -q qemu-monitor-command $D --hmp 'info pci' 2>&1 | grep -aE 'Bus|Ethernet|id "' | head -30
}
# Whether QEMU has the VF (igb VF 8086:10ca) on the VM's PCI bus: a failover
# primary stays hidden until the guest's virtio-net driver acks STANDBY.
vf_in_qemu () { echo "VF in QEMU's info pci: $(virsh -q qemu-monitor-command $D --hmp 'info pci' 2>/dev/null | grep -c '8086:10ca')"; }
show_console () { log "guest reports since mark $1:"; since "$C" "$1" | grep -v ' ifs:' | tail -"${2:-8}"; since "$C" "$1" | grep ' ifs:' | tail -1; }

rm -f "$C"
# The standby first: QEMU hides a failover primary only if its virtio-net
# partner already exists when the -device is parsed (libvirt keeps the
# <interface> order).  Measured 2026-11-30: with the hostdev first, `info pci`
# showed the VF plugged from boot, unhidden.
nested_failover_xml $D "$(dom_uuid 81)" "$C" "" "$(standby_iface)
$(hostdev_iface "$A")" > /tmp/$D.xml
virsh -q define /tmp/$D.xml >/dev/null || fail "define $D"

# ---- 1. boot with the pair in the XML ---------------------------------------------
boot () {
  rm -f "$C"
  m start virsh start $D
  [ "$RC" = 0 ] || { virsh -q dumpxml $D; fail "virsh start $D: $OUT"; }
  note "after start: $(vf_state); $(vf_in_qemu)"
  T_BOOT=$(now)
  wait_console 450 "the nested VM's first report" grep -q 'NESTED: FAILOVER' "$C"
}
if ! boot; then
  log "no report in 450 s (the known rare TCG hang of nested boots): retrying once"
  virsh -q destroy $D >/dev/null 2>&1
  boot || fail "the nested VM did not report in 450 s, twice"
fi
note "boot: first guest report $(dt "$T_BOOT") s after start; $(vf_in_qemu)"
# PT: how long later steps wait for the guest; short once it never paired.
PT=300
if ! wait_primary 0 300 "boot"; then
  PT=30
  diag
  note "boot: the guest never paired a primary; the libvirt side is still measured, guest waits cut to $PT s"
fi
wait_console $((PT / 3)) "DHCP over the master" grep -qE 'NESTED: DHCP-(OK|FAIL)' "$C"
note "boot: $(grep -E 'NESTED: (DHCP|lease)' "$C" | tr -d '\r' | tr '\n' ' ')($(dt "$T_BOOT") s after start)"
show_console 0
note "boot: $(vf_in_qemu)"
virsh -q dumpxml $D | grep -E "<interface|<source|teaming|alias|<address type='pci' domain='0x0000' bus='0x01'" | head -20

# ---- 2. managedsave / restore ---------------------------------------------------------
mk=$(console_lines "$C")
m managedsave timeout 600 virsh managedsave $D
note "after managedsave: state=$(dom_state $D) $(vf_state) VF A line: $(vf_line $A_IDX)"
wait_until 30 sh -c "[ \"\$(readlink /sys/bus/pci/devices/$A/driver | xargs -r basename)\" = igbvf ]"
note "managedsave: 30 s later VF A on $(vf_driver $A_IDX)"
note "managedsave image XML: $(virsh -q managedsave-dumpxml $D 2>&1 | grep -cE "<interface type='hostdev'") hostdev interface(s); $(virsh -q managedsave-dumpxml $D 2>&1 | tr -d '\n' | grep -o "<interface type='hostdev'.*</interface>" | grep -o "<source>[^/]*<address [^>]*>" | head -1)"
note "guest around the save: $(since "$C" "$mk" | grep FAILOVER | cut -d' ' -f3- | uniq -c | tr '\n' ';')"
mk=$(console_lines "$C")
m restore virsh start $D
T=$(now)
note "after restore: state=$(dom_state $D) $(vf_state)"
wait_primary "$mk" "$PT" "restore" || show_console "$mk" 20
show_console "$mk"

# ---- 3. restore while the saved VF is taken -------------------------------------------
m managedsave-2 timeout 600 virsh managedsave $D
wait_until 30 sh -c "[ \"\$(readlink /sys/bus/pci/devices/$A/driver | xargs -r basename)\" = igbvf ]"
cat > /tmp/e2e-other.xml <<XML
<domain type='qemu'>
  <name>e2e-other</name>
  <uuid>$(dom_uuid 82)</uuid>
  <memory unit='MiB'>48</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='usb' model='none'/>
    <hostdev mode='subsystem' type='pci' managed='yes'><source>$(hostdev_address "$A")</source></hostdev>
    <memballoon model='none'/>
  </devices>
</domain>
XML
virsh -q define /tmp/e2e-other.xml >/dev/null || fail "define e2e-other"
m other-start virsh start e2e-other
note "e2e-other holds A: $(vf_state)"
m restore-taken virsh start $D
note "after the refused restore: state=$(dom_state $D) managed save: $(virsh -q dominfo $D | sed -n 's/^Managed save: *//p') $(vf_state)"
if [ "$(virsh -q dominfo $D | sed -n 's/^Managed save: *//p')" = yes ]; then
  virsh -q managedsave-dumpxml $D > /tmp/$D-saved.xml
  sed -i "s|$(hostdev_address "$A")|$(hostdev_address "$B")|" /tmp/$D-saved.xml
  grep -c "$(hostdev_address "$B")" /tmp/$D-saved.xml | sed 's/^/re-pointed addresses: /'
  m managedsave-define virsh managedsave-define $D /tmp/$D-saved.xml
  mk=$(console_lines "$C")
  m restore-repointed virsh start $D
  note "after the re-pointed restore: state=$(dom_state $D) $(vf_state)"
  wait_primary "$mk" "$PT" "re-pointed restore" || show_console "$mk" 20
  show_console "$mk"
else
  note "the managed save image is gone after the refused restore: re-pointing not tried"
  [ "$(dom_state $D)" = running ] || { mk=$(console_lines "$C"); m start-fresh virsh start $D; }
fi
m other-destroy virsh destroy e2e-other
virsh -q undefine e2e-other >/dev/null 2>&1
note "after e2e-other is gone: $(vf_state)"

# ---- 4. memory snapshot -----------------------------------------------------------------
if dom_running $D; then
  mk=$(console_lines "$C")
  m snapshot timeout 600 virsh snapshot-create-as $D s1 --live --memspec file=/var/lib/libvirt/qemu/$D-s1.mem,snapshot=external
  note "after snapshot: state=$(dom_state $D) $(vf_state)"
  sleep 30
  note "30 s after the snapshot: $(vf_state); guest: $(last_failover "$C" "$mk")"
  note "guest around the snapshot: $(since "$C" "$mk" | grep FAILOVER | cut -d' ' -f3- | uniq -c | tr '\n' ';')"
  virsh -q snapshot-delete $D s1 --metadata >/dev/null 2>&1
  rm -f /var/lib/libvirt/qemu/$D-s1.mem
fi

# ---- 5. detach and re-attach the primary on a running guest ------------------------------------
if dom_running $D; then
  cur=$(live_iface_vf $D 2>/dev/null || true)
  if [ -z "$cur" ]; then
    note "no hostdev interface live before the detach test: attaching A first"
    cur=$A
    hostdev_iface "$A" > /tmp/fo-primary.xml
    mk=$(console_lines "$C")
    m attach-pre virsh attach-device $D /tmp/fo-primary.xml --live
    wait_primary "$mk" "$PT" "attach before detach" || true
  fi
  mk=$(console_lines "$C")
  T=$(now)
  m detach virsh detach-device-alias $D ua-fo-nic0 --live
  wait_until 120 no_vf_live
  note "detach: hostdev gone from the live XML $(dt "$T") s after the call ($(vf_state))"
  wait_console $(( PT < 120 ? PT : 120 )) "the guest losing its primary" primary_gone "$C" "$mk"
  note "detach: guest reports primary=none $(dt "$T") s after the call: $(last_failover "$C" "$mk")"
  idx=$(vf_index_of "$cur")
  wait_driver "$idx" igbvf 30
  note "detach: VF $cur on $(vf_driver "$idx") $(dt "$T") s after the call"
  hostdev_iface "$cur" > /tmp/fo-primary.xml
  mk=$(console_lines "$C")
  m attach virsh attach-device $D /tmp/fo-primary.xml --live
  wait_primary "$mk" "$PT" "attach" || show_console "$mk" 20
fi
note "running guest phase done at $((SECONDS - S0)) s"
m destroy virsh destroy $D
virsh -q undefine --managed-save --snapshots-metadata $D >/dev/null 2>&1

# ---- 6. the vfpool way: start with the standby only, hot-plug the primary at once ----------------
if [ $((SECONDS - S0)) -lt 1700 ]; then
  D=e2e-fo-hp
  rm -f "$C"
  nested_failover_xml $D "$(dom_uuid 83)" "$C" "" "$(standby_iface)" > /tmp/$D.xml
  virsh -q define /tmp/$D.xml >/dev/null || fail "define $D"
  hostdev_iface "$A" > /tmp/fo-primary.xml
  m hp-start virsh start $D
  T=$(now)
  m hp-attach virsh attach-device $D /tmp/fo-primary.xml --live
  note "hot-plug at start: $(vf_state)"
  if wait_console 450 "the hot-plug VM's first report" grep -q 'NESTED: FAILOVER' "$C"; then
    wait_primary 0 "$PT" "hot-plug at start" || show_console 0 20
    wait_console $((PT / 3)) "DHCP" grep -qE 'NESTED: DHCP-(OK|FAIL)' "$C"
    note "hot-plug at start: $(grep -E 'NESTED: (DHCP|lease)' "$C" | tr -d '\r' | tr '\n' ' ')"
  else
    note "hot-plug at start: the VM did not report in 450 s (TCG hang?)"
  fi
  m hp-destroy virsh destroy $D
  virsh -q undefine $D >/dev/null 2>&1
else
  note "skipped the hot-plug-at-start step: $((SECONDS - S0)) s used"
fi

assert "no lease (the hook had nothing to do)" no_leases
assert_vfs_restored "every VF as before" 60
note "total $((SECONDS - S0)) s"
exit 0
