#!/bin/bash
# scenarios/01-pool-lifecycle.sh: a pool of 2 VFs and three domains — both start paths, the refusal of an exhausted pool, and a VF handed back exactly as it was.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

pool e2e 0 1
snapshot_vfs
define_domain e2e-d1 1 'pool="e2e" vlan="100" mac="52:54:00:e2:00:01"'
define_domain e2e-d2 2 'pool="e2e" vlan="200" mac="52:54:00:e2:00:02"'
define_domain e2e-d3 3 'pool="e2e" vlan="300" mac="52:54:00:e2:00:03"'

# 1. Boot-time path: the VF is in the domain from its first instruction.
OUT=$(vfpoolctl start e2e-d1 2>&1); RC=$?
log "vfpoolctl start e2e-d1: rc=$RC $OUT"
assert "vfpoolctl start e2e-d1 succeeds" [ "$RC" = 0 ]
assert "e2e-d1 is running" dom_running e2e-d1
assert_has_vf e2e-d1 1 5
d1_vf=$DOM_VF d1_idx=$DOM_VF_IDX
assert "d1's VF carries its MAC" vf_line_has "$d1_idx" "link/ether 52:54:00:e2:00:01"
assert "d1's VF carries VLAN 100" vf_line_has "$d1_idx" "vlan 100"
assert "d1's persistent XML still has no hostdev" [ "$(virsh -q dumpxml --inactive e2e-d1 | grep -c '<hostdev')" = 0 ]

# 2. Plain start: the hook leases at prepare and hot-plugs after start.
start_dom e2e-d2
assert "virsh start e2e-d2 succeeds" [ "$RC" = 0 ]
assert_has_vf e2e-d2 2 30
d2_idx=$DOM_VF_IDX
assert "d1 and d2 have different VFs" [ "$d1_vf" != "$DOM_VF" ]
assert "d2's VF carries its MAC" vf_line_has "$d2_idx" "link/ether 52:54:00:e2:00:02"
assert "d2's VF carries VLAN 200" vf_line_has "$d2_idx" "vlan 200"
assert "two leases" [ "$(lease_count)" = 2 ]

# 3. The pool is exhausted: a clear refusal, nothing claimed.
start_dom e2e-d3
assert "virsh start e2e-d3 is refused" [ "$RC" != 0 ]
assert "the refusal says 'no free VF'" out_has "no free VF"
assert "the refusal names the pool" out_has "e2e"
assert "e2e-d3 is not running" [ "$(dom_state e2e-d3)" = "shut off" ]
assert "still two leases" [ "$(lease_count)" = 2 ]

# 4. Destroy d1: its VF is restored (MAC, VLAN, spoofchk, trust, driver) and freed.
virsh -q destroy e2e-d1 >/dev/null || fail "virsh destroy e2e-d1"
assert "d1's lease is gone" wait_until 30 no_lease "$d1_vf"
assert "VF $d1_idx has its original MAC/VLAN/spoofchk/trust again" wait_until 10 vf_line_is "$d1_idx" "$(vf_line_before "$d1_idx")"
assert "VF $d1_idx is back on igbvf" wait_driver "$d1_idx" igbvf 30

# 5. Now d3 fits, on the VF d1 gave back.
start_dom e2e-d3
assert "virsh start e2e-d3 succeeds now" [ "$RC" = 0 ]
assert_has_vf e2e-d3 3 30
assert "d3 got the VF d1 released" [ "$DOM_VF" = "$d1_vf" ]

# 6. Everything back.
virsh -q destroy e2e-d2 >/dev/null
virsh -q destroy e2e-d3 >/dev/null
assert "no leases left" wait_until 30 no_leases
assert_vfs_restored "every VF as before the scenario"
exit 0
