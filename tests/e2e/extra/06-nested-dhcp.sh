#!/bin/bash
# extra/06-nested-dhcp.sh: opt-in scenario 6 — a VM boots with a VF from a pool (vfpoolctl start) and gets a DHCP lease over it through the emulated igb; slow (3-5 min under TCG), so not a standard scenario.
# Run: make check-e2e E2E_ONLY=none E2E_SCENARIOS=$srcdir/tests/e2e/extra/06-nested-dhcp.sh
# e2e-timeout: 1200
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

CONSOLE=/tmp/e2e-nested-console.log
MAC=52:54:00:e2:00:61
pool e2e 0 0
snapshot_vfs
rm -f "$CONSOLE"
cat > /tmp/e2e-nested.xml <<XML
<domain type='qemu'>
  <name>e2e-nested</name>
  <uuid>$(dom_uuid 61)</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <metadata>
    <vfpool:request xmlns:vfpool="urn:vfpool:domain:1"><vfpool:nic pool="e2e" mac="$MAC"/></vfpool:request>
  </metadata>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/e2e/nested/vmlinuz</kernel>
    <initrd>/e2e/nested/initrd.gz</initrd>
    <cmdline>console=ttyS0 quiet panic=-1</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='usb' model='none'/>
    <serial type='file'><source path='$CONSOLE'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
virsh -q define /tmp/e2e-nested.xml >/dev/null || fail "define e2e-nested"

nested_done () { grep -qE 'NESTED: (DHCP-OK|DHCP-FAIL|NO-NIC)' "$CONSOLE" 2>/dev/null; }
# Boots the VM with its VF and waits for its verdict, printing progress so
# the host does not take a slow boot for a hung fixture.
run_nested () {
  local t
  rm -f "$CONSOLE"
  OUT=$(vfpoolctl start e2e-nested 2>&1); RC=$?
  log "vfpoolctl start e2e-nested: rc=$RC $OUT"
  assert "the nested VM starts with its VF" [ "$RC" = 0 ]
  assert_has_vf e2e-nested 61 10
  assert "the VF carries the requested MAC" vf_line_has "$DOM_VF_IDX" "link/ether $MAC"
  for t in $(seq 0 10 450); do
    nested_done && return 0
    [ $((t % 60)) = 0 ] && log "waiting for the nested VM ($t s), console: $(tr -d '\r' < "$CONSOLE" 2>/dev/null | grep -v '^$' | tail -1 | cut -c1-80)"
    sleep 10
  done
  return 1
}

# docs/FIXTURE.md: about 1 nested boot in 5 hangs under TCG; that is the
# fixture's fault, not vfpool's, so it gets one retry.
if ! run_nested; then
  log "the nested VM did not report in 450 s (the known rare TCG hang): retrying once"
  virsh -q destroy e2e-nested >/dev/null 2>&1
  assert "the hung VM's lease is freed" wait_until 30 no_leases
  run_nested || fail "the nested VM did not report in 450 s, twice"
fi
log "nested console:"; tr -d '\r' < "$CONSOLE" | grep NESTED
assert "the nested VM got a DHCP lease over the VF" grep -q "NESTED: DHCP-OK $MAC" "$CONSOLE"

assert "the VM powers itself off" wait_until 120 sh -c '[ "$(virsh -q domstate e2e-nested | head -1)" = "shut off" ]'
assert "its lease is gone" wait_until 30 no_leases
assert_vfs_restored "every VF as before"
exit 0
