#!/bin/bash
# scenarios/03-libvirtd-restart.sh: libvirtd restarts while a domain holds a VF — the reconnect hook keeps the domain and its lease, reconcile leaves both, and a later destroy frees the VF.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

pool e2e 0 1
snapshot_vfs
define_domain e2e-d1 1 'pool="e2e" vlan="100" mac="52:54:00:e2:00:21"'

start_dom e2e-d1
assert "virsh start e2e-d1 succeeds" [ "$RC" = 0 ]
assert_has_vf e2e-d1 1 30
vf=$DOM_VF idx=$DOM_VF_IDX
pid=$(qemu_pid_of e2e-d1)

restart_libvirtd

assert "e2e-d1 still runs" wait_until 30 dom_running e2e-d1
assert "with the same QEMU ($pid)" [ "$(qemu_pid_of e2e-d1)" = "$pid" ]
assert "the hostdev is still in the live XML" live_has_hostdev e2e-d1
assert "the lease of $vf is intact" grep -q -- "$(dom_uuid 1)" "$LEASE_DIR/$vf"
assert "VF $idx still carries the request" vf_line_has "$idx" "link/ether 52:54:00:e2:00:21"

OUT=$(vfpoolctl reconcile 2>&1); log "vfpoolctl reconcile: rc=$? $OUT"
assert "reconcile keeps the lease of a running domain" grep -q -- "$(dom_uuid 1)" "$LEASE_DIR/$vf"
assert "and the domain" dom_running e2e-d1

virsh -q destroy e2e-d1 >/dev/null || fail "virsh destroy e2e-d1"
assert "the lease is freed" wait_until 30 no_lease "$vf"
assert_vfs_restored "every VF as before"
exit 0
