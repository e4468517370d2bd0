#!/bin/bash
# scenarios/06-vfio-prebound.sh: a managed=no pool — vfpoolctl vfio-bind moves its VFs to vfio-pci (driver_override), a domain gets one as managed='no' and leaves it on vfio-pci, vfio-unbind gives both back to igbvf.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

modprobe vfio-pci || fail "modprobe vfio-pci"
pool pinned 0 1 managed=no
snapshot_vfs
define_domain e2e-v1 1 'pool="pinned" vlan="100" mac="52:54:00:e2:06:01"'

# 1. Not bound yet: the start is refused with the fix, nothing stays leased.
start_dom e2e-v1
assert "virsh start e2e-v1 is refused while the VFs are on igbvf" [ "$RC" != 0 ]
assert "the refusal names the fix" out_has "vfpoolctl vfio-bind pinned"
assert "no lease after the refusal" wait_until 10 no_leases

# 2. vfio-bind: both pool VFs on vfio-pci, the third VF untouched.
OUT=$(vfpoolctl vfio-bind pinned 2>&1); RC=$?
log "vfpoolctl vfio-bind pinned: rc=$RC $(echo "$OUT" | tr '\n' ' ')"
assert "vfio-bind succeeds" [ "$RC" = 0 ]
assert "VF 0 is on vfio-pci" wait_driver 0 vfio-pci 10
assert "VF 1 is on vfio-pci" wait_driver 1 vfio-pci 10
assert "VF 0's driver_override is vfio-pci" [ "$(cat "/sys/bus/pci/devices/$(vf_pci 0)/driver_override")" = vfio-pci ]
if [ "$E2E_NUMVFS" -gt 2 ]; then
  assert "VF 2 (not in the pool) is still on igbvf" [ "$(vf_driver 2)" = igbvf ]
fi

# 3. Plain start: the hot-plugged hostdev is managed='no' on a VF already on vfio-pci.
start_dom e2e-v1
assert "virsh start e2e-v1 succeeds now" [ "$RC" = 0 ]
assert_has_vf e2e-v1 1 30
v1_vf=$DOM_VF v1_idx=$DOM_VF_IDX
assert "the live hostdev is managed='no'" \
  bash -c "virsh -q dumpxml e2e-v1 | grep -q \"<hostdev mode='subsystem' type='pci' managed='no'>\""
assert "the VF carries its MAC (set through the PF whatever the VF's driver)" \
  vf_line_has "$v1_idx" "link/ether 52:54:00:e2:06:01"
assert "the VF carries VLAN 100" vf_line_has "$v1_idx" "vlan 100"

# 4. vfio-unbind skips the leased VF.
OUT=$(vfpoolctl vfio-unbind pinned 2>&1); RC=$?
log "vfpoolctl vfio-unbind pinned (one VF leased): rc=$RC $(echo "$OUT" | tr '\n' ' ')"
assert "vfio-unbind warns about the leased VF" out_has "$v1_vf (VF $v1_idx of $E2E_PF) is leased"
assert "the leased VF stays on vfio-pci" [ "$(vf_driver "$v1_idx")" = vfio-pci ]

# 5. Destroy: lease gone, MAC/VLAN restored, the VF stays on vfio-pci.
virsh -q destroy e2e-v1 >/dev/null || fail "virsh destroy e2e-v1"
assert "e2e-v1's lease is gone" wait_until 30 no_lease "$v1_vf"
assert "VF $v1_idx has its original MAC/VLAN again" \
  wait_until 10 vf_line_is "$v1_idx" "$(vf_line_before "$v1_idx")"
sleep 2   # libvirt would rebind a managed device right after release: give it the chance to (not) do so
assert "VF $v1_idx is still on vfio-pci after the domain is gone" [ "$(vf_driver "$v1_idx")" = vfio-pci ]

# 6. vfio-unbind: both back on igbvf, override cleared.
OUT=$(vfpoolctl vfio-unbind pinned 2>&1); RC=$?
log "vfpoolctl vfio-unbind pinned: rc=$RC $(echo "$OUT" | tr '\n' ' ')"
assert "vfio-unbind succeeds" [ "$RC" = 0 ]
assert "VF 0 is back on igbvf" wait_driver 0 igbvf 30
assert "VF 1 is back on igbvf" wait_driver 1 igbvf 30
assert "VF 0's driver_override is cleared" \
  bash -c "[ \"\$(cat /sys/bus/pci/devices/$(vf_pci 0)/driver_override)\" = '(null)' ] || [ -z \"\$(cat /sys/bus/pci/devices/$(vf_pci 0)/driver_override)\" ]"
virsh -q undefine e2e-v1 >/dev/null
assert "no leases left" wait_until 30 no_leases
# Re-probing igbvf on a VF whose admin MAC is zero makes the igb PF hand it
# a random MAC (measured: VF 1, never leased, gets one too), so that is the
# driver's doing on rebind, not a leftover of vfpool's.  Everything else —
# VLAN, spoof check, trust, rate, link state, drivers — must be as before.
mask_mac () { sed -E 's#link/ether [0-9a-f:]+#link/ether (mac)#'; }
now_drv=; for i in $(seq 0 $((E2E_NUMVFS - 1))); do now_drv="$now_drv $(vf_driver "$i")"; done
assert "every VF as before the scenario (the rebound VFs' MACs aside)" \
  [ "$(vf_all_lines | mask_mac)" = "$(echo "$SNAP" | mask_mac)" -a "$now_drv" = "$SNAP_DRV" ]
exit 0
