#!/bin/bash
# scenarios/02-qemu-killed.sh: QEMU dies by SIGKILL while holding a VF — libvirt's stop hooks restore the VF and free it, and the next start gets it.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

pool e2e 0 1
snapshot_vfs
define_domain e2e-d1 1 'pool="e2e" vlan="100" mac="52:54:00:e2:00:11" spoofchk="off" trust="on"'

start_dom e2e-d1
assert "virsh start e2e-d1 succeeds" [ "$RC" = 0 ]
assert_has_vf e2e-d1 1 30
vf=$DOM_VF idx=$DOM_VF_IDX
assert "VF $idx carries the request (spoofchk off, trust on)" vf_line_has "$idx" "spoof checking off"
pid=$(qemu_pid_of e2e-d1)
assert "QEMU pid known ($pid)" [ -n "$pid" ]

kill -9 "$pid"
log "killed QEMU $pid"
assert "libvirt sees the domain stop" wait_until 60 sh -c '[ "$(virsh -q domstate e2e-d1 | head -1)" = "shut off" ]'
assert "the lease of $vf is gone" wait_until 30 no_lease "$vf"
assert "VF $idx is back on igbvf" wait_driver "$idx" igbvf 30
assert_vfs_restored "every VF as before (MAC, VLAN, spoofchk, trust)"

start_dom e2e-d1
assert "the domain starts again" [ "$RC" = 0 ]
assert_has_vf e2e-d1 1 30
virsh -q destroy e2e-d1 >/dev/null
assert "no leases left" wait_until 30 no_leases
assert_vfs_restored "every VF as before, again"
exit 0
