#!/bin/bash
# scenarios/10-network-pool.sh: a network-backed pool (network=yes) on the igb
# VFs.  net-sync defines/starts/autostarts vfpool-POOL (twice: idempotent) and
# leaves the stock network alone; `virsh start` of a domain with
# <interface type='network'> gets a VF libvirt picked from boot (no hot-plug),
# vfpool's network hook leases it and sets spoofchk/trust; an exhausted pool
# and an allow= refusal fail the start; destroy restores and frees; a
# libvirtd restart keeps libvirt's ports and vfpool's leases in step; libvirt
# refuses a managed save of such a domain, and doctor's host-shutdown check
# names it.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

NET=vfpool-e2enet
cleanup () {
  local d
  for d in e2e-n1 e2e-n2 e2e-n3 acl-x; do
    virsh -q destroy "$d" >/dev/null 2>&1; virsh -q undefine "$d" >/dev/null 2>&1
  done
  virsh -q net-destroy "$NET" >/dev/null 2>&1; virsh -q net-undefine "$NET" >/dev/null 2>&1
}
trap cleanup EXIT

# net_domain NAME N MAC VLAN: a tiny domain (domain_xml without a request)
# whose only NIC is on the pool's network.
net_domain () {
  domain_xml "$1" "$(dom_uuid "$2")" 'pool="unused"' \
    | sed -e '/<metadata>/,/<\/metadata>/d' \
          -e "s|<memballoon|<interface type='network'><source network='$NET'/><mac address='$3'/><vlan><tag id='$4'/></vlan></interface>\n    <memballoon|" \
    > "/tmp/$1.xml"
  virsh -q define "/tmp/$1.xml" >/dev/null || fail "virsh define $1"
}
# The live XML shows the port as <interface type='hostdev'> with the VF's
# <source><address/> (seen with libvirt 9.0): live_iface_vf reads it.
live_net_vf () { live_iface_vf "$1"; }
net_ports () { virsh -q net-port-list "$NET" 2>/dev/null | grep -c .; }

pool e2enet 0 1 network=yes spoofchk=off trust=on 'allow=e2e-n*'
snapshot_vfs
default_before=$(virsh -q net-dumpxml default 2>&1; virsh -q net-info default 2>&1)

OUT=$(vfpoolctl net-sync 2>&1); RC=$?; log "net-sync: rc=$RC $OUT"
assert "net-sync defines, starts and autostarts $NET" [ "$RC:$OUT" = "0:$NET: defined started autostart" ]
OUT=$(vfpoolctl net-sync 2>&1); RC=$?; log "net-sync again: rc=$RC $OUT"
assert "net-sync again changes nothing" [ "$RC:$OUT" = "0:$NET: in step" ]
assert "the stock network 'default' is untouched" \
  [ "$(virsh -q net-dumpxml default 2>&1; virsh -q net-info default 2>&1)" = "$default_before" ]
virsh -q net-dumpxml "$NET"
assert "$NET is active and autostarts" sh -c "virsh -q net-info $NET | grep -q 'Active: *yes' && virsh -q net-info $NET | grep -q 'Autostart: *yes'"
OUT=$(vfpoolctl doctor 2>&1); log "doctor: $(echo "$OUT" | grep 'network:')"
assert "doctor: the network is in step" out_has "[PASS] network:$NET"

net_domain e2e-n1 1 52:54:00:e2:09:01 100
start_dom e2e-n1
assert "virsh start e2e-n1 succeeds" [ "$RC" = 0 ]
vf=$(live_net_vf e2e-n1) || { virsh -q dumpxml e2e-n1; fail "no VF of $NET in e2e-n1's live XML right after virsh start"; }
log "ok: the live XML has VF $vf right after virsh start returned"
idx=$(vf_index_of "$vf") || fail "$vf is not a VF of $E2E_PF"
pid=$(qemu_pid_of e2e-n1)
cmdline=$(tr '\0' ' ' < "/proc/$pid/cmdline")
log "QEMU's VF device: $(echo "$cmdline" | grep -o '[^ ]*vfio-pci[^ ]*')"
assert "QEMU was started with the VF (vfio-pci $vf on its command line)" \
  sh -c "echo \"\$1\" | grep -o '[^ ]*vfio-pci[^ ]*' | grep -q '${vf#0000:}'" _ "$cmdline"
virsh -q net-port-list "$NET"
port=$(virsh -q net-port-list "$NET" | awk 'NR==1 {print $1}')
virsh -q net-port-dumpxml "$NET" "$port"
assert "the lease of $vf is e2e-n1's" grep -q -- "$(dom_uuid 1)" "$LEASE_DIR/$vf"
assert "  and names libvirt's port $port" grep -qx "network-port=$port" "$LEASE_DIR/$vf"
show_leases
OUT=$(vfpoolctl status 2>&1); log "status: $OUT"
assert "vfpoolctl status shows it leased to e2e-n1" sh -c "echo \"\$1\" | grep -q \"$vf.*e2e-n1\"" _ "$OUT"
log "VF $idx: $(vf_line "$idx")"
assert "spoof checking off on VF $idx (the pool's)" vf_line_has "$idx" "spoof checking off"
assert "trust on on VF $idx (the pool's)" vf_line_has "$idx" "trust on"
assert "MAC from the domain XML (libvirt's)" vf_line_has "$idx" "link/ether 52:54:00:e2:09:01"
assert "VLAN 100 from the domain XML (libvirt's)" vf_line_has "$idx" "vlan 100"

# ---- a managed save (what libvirt-guests does with ON_SHUTDOWN=suspend) -----------
# libvirt refuses it for a VF of a hostdev network; doctor's host-shutdown
# check says so.  The domain must keep running with its VF and lease.
OUT=$(virsh managedsave e2e-n1 2>&1); RC=$?
log "MEASURED: virsh managedsave e2e-n1: rc=$RC $(echo "$OUT" | tr '\n' ' ' | cut -c1-300)"
assert "libvirt refuses to save a domain holding a VF of a vfpool network" [ "$RC" != 0 ]
assert "  e2e-n1 still runs with the same QEMU" sh -c "[ \"\$(virsh -q domstate e2e-n1)\" = running ] && [ \"\$(cat /run/libvirt/qemu/e2e-n1.pid)\" = $pid ]"
assert "  and keeps its lease" grep -q -- "$(dom_uuid 1)" "$LEASE_DIR/$vf"
rm -f /tmp/libvirt-guests.orig
[ -e /etc/default/libvirt-guests ] && cp /etc/default/libvirt-guests /tmp/libvirt-guests.orig
printf 'ON_SHUTDOWN=suspend\n' > /etc/default/libvirt-guests
OUT=$(vfpoolctl doctor 2>&1); log "doctor, host-shutdown: $(echo "$OUT" | grep -A1 'host-shutdown' | tr '\n' ' ')"
assert "doctor's host-shutdown check names e2e-n1 and its pool" \
  sh -c "echo \"\$1\" | grep 'host-shutdown' | grep -q \"'e2e-n1' (pool e2enet)\"" _ "$OUT"
if [ -e /tmp/libvirt-guests.orig ]; then cp /tmp/libvirt-guests.orig /etc/default/libvirt-guests
else rm -f /etc/default/libvirt-guests; fi

net_domain acl-x 4 52:54:00:e2:09:04 100
start_dom acl-x
assert "virsh start acl-x fails" [ "$RC" != 0 ]
assert "  with vfpool's allow= message" out_has "pool 'e2enet' does not allow this domain"
assert "  acl-x is not running" sh -c "[ \"\$(virsh -q domstate acl-x)\" != running ]"
assert "  only e2e-n1's lease" [ "$(lease_count)" = 1 ]
assert "  and one port" [ "$(net_ports)" = 1 ]

# ---- exhausted --------------------------------------------------------------------
net_domain e2e-n2 2 52:54:00:e2:09:02 200
start_dom e2e-n2
assert "virsh start e2e-n2 takes the pool's other VF" [ "$RC" = 0 ]
vf2=$(live_net_vf e2e-n2) || fail "no VF in e2e-n2's live XML"
assert "  its lease" grep -q -- "$(dom_uuid 2)" "$LEASE_DIR/$vf2"
net_domain e2e-n3 3 52:54:00:e2:09:03 300
start_dom e2e-n3
assert "virsh start e2e-n3 fails: the pool is exhausted" [ "$RC" != 0 ]
log "exhausted start said: $OUT"
assert "  with libvirt's own message" out_has "none are available"
assert "  two leases, two ports" [ "$(lease_count):$(net_ports)" = "2:2" ]
virsh -q destroy e2e-n2 >/dev/null || fail "virsh destroy e2e-n2"
assert "e2e-n2's lease is freed" wait_until 30 no_lease "$vf2"

# ---- libvirtd restart with e2e-n1 running --------------------------------------------
restart_libvirtd
assert "e2e-n1 still runs with the same QEMU" sh -c "[ \"\$(cat /run/libvirt/qemu/e2e-n1.pid)\" = $pid ]"
assert "libvirt still has its port" [ "$(net_ports)" = 1 ]
assert "the lease is intact" grep -qx "network-port=$port" "$LEASE_DIR/$vf"
OUT=$(vfpoolctl reconcile 2>&1); log "reconcile: $OUT"
assert "reconcile keeps it" grep -q -- "$(dom_uuid 1)" "$LEASE_DIR/$vf"
OUT=$(vfpoolctl net-sync 2>&1); RC=$?; log "net-sync after the restart: rc=$RC $OUT"
assert "net-sync after the restart changes nothing" [ "$RC:$OUT" = "0:$NET: in step" ]

# ---- destroy: restored and freed -----------------------------------------------------
virsh -q destroy e2e-n1 >/dev/null || fail "virsh destroy e2e-n1"
assert "e2e-n1's lease is freed" wait_until 30 no_lease "$vf"
assert "no port left" [ "$(net_ports)" = 0 ]
# vfpool restores only what it set; the MAC is libvirt's to restore, and
# after libvirt's restore igbvf picks a random one when it binds again (seen
# in this fixture, libvirt 9.0): every VF line but the MAC as before.
no_mac () { sed -E 's|link/ether [0-9a-f:]+ ||'; }
vfs_as_before_but_mac () {
  [ "$(vf_all_lines | no_mac)" = "$(echo "$SNAP" | no_mac)" ] \
    && [ "$(for i in $(seq 0 $((E2E_NUMVFS - 1))); do vf_driver "$i"; done | tr '\n' ' ')" = "$(echo $SNAP_DRV) " ]
}
wait_until 30 vfs_as_before_but_mac || { echo "before:"; echo "$SNAP"; echo "now:"; vf_all_lines; }
assert "every VF as before but its MAC (trust, spoofchk, VLAN; driver igbvf)" vfs_as_before_but_mac
log "VF $idx after: $(vf_line "$idx")"

# ---- the pool goes: net-sync retires the network ---------------------------------------
rm -f "$POOLS_DIR/e2enet.conf"
OUT=$(vfpoolctl net-sync 2>&1); RC=$?; log "net-sync without the pool: rc=$RC $OUT"
assert "net-sync retires $NET" [ "$RC:$OUT" = "0:$NET: retired (stopped, undefined)" ]
assert "  it is gone" sh -c "! virsh -q net-info $NET >/dev/null 2>&1"
assert "  'default' still untouched" \
  [ "$(virsh -q net-dumpxml default 2>&1; virsh -q net-info default 2>&1)" = "$default_before" ]
exit 0
