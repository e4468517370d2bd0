#!/bin/bash
# demo.sh (make demo): the main job on a simulated host — three domains ask a
# 2-VF pool; two get VFs, the third is refused; one stops; the third starts.
# Runs the installed hook and vfpoolctl exactly as libvirt and a user would.
set -eu
VFP_TOP_SRCDIR=${VFP_TOP_SRCDIR:?run through make demo}
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"
set +e

# Bold headings on a terminal only: a log or a pipe gets no escape codes.
if [ -t 1 ]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi
show() { printf '$ %s\n' "$*"; }

say "A simulated host: 2 PFs (ens1f0, ens1f1) x 4 VFs; pool 'tenant-a' = 2 VFs of ens1f0"
make_host demo
POOL_FILE=tenant-a.conf pool "[pool tenant-a]" "pfs=ens1f0#0-1" "spoofchk=on" "trust=off"
cat "$T/etc/pools.d/tenant-a.conf"

domain_xml web1 1 'pool="tenant-a" vlan="100" mac="52:54:00:12:34:56"' > "$T/web1.xml"
domain_xml web2 2 'pool="tenant-a" vlan="100" max-tx-rate="1000"' > "$T/web2.xml"
domain_xml web3 3 'pool="tenant-a" vlan="100"' > "$T/web3.xml"
say "Each domain carries a request in its metadata, e.g. web1:"
sed -n '/<metadata>/,/<\/metadata>/p' "$T/web1.xml"

say "web1: boot-time path (vfpoolctl inject, as 'vfpoolctl start' does) — the VF is in the XML from boot"
show "vfpoolctl inject < web1.xml"
"$CTL" inject < "$T/web1.xml" > "$T/web1-live.xml"
grep -A3 '<hostdev' "$T/web1-live.xml"
show "libvirt: prepare begin / start begin / started begin"
start_plain web1 "$T/web1-live.xml" && echo "web1 running"

say "web2: plain 'virsh start' — the hook leases at prepare and hot-plugs after start"
start_plain web2 "$T/web2.xml" && echo "web2 running"
wait_for "$T/attach.log" "$(uuid_of 2)" && sed 's/^attach [^ ]* /hot-plugged: /' "$T/attach.log"

say "What the hook did to the VFs (netlink changes, one attribute per request)"
cat "$T/nl.log"

say "web3 asks the same pool: refused with one clear line"
show "virsh start web3"
hook web3 prepare begin "$T/web3.xml" || echo "(start refused, exit $?)"
stop_domain web3 "$T/web3.xml"

say "vfpoolctl status"
"$CTL" status

say "web1 stops (virsh destroy): its VF goes back exactly as it was"
stop_domain web1 "$T/web1-live.xml"
tail -n 4 "$T/nl.log"

say "web3 starts now"
start_plain web3 "$T/web3.xml" && echo "web3 running"

say "vfpoolctl status"
"$CTL" status
