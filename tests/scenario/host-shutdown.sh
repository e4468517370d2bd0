#!/bin/bash
# host-shutdown.sh: `vfpoolctl host-shutdown` (vfpool-guests.service, before
# libvirt-guests) against the record seam (tools/vfpoolctl-record.h): with
# ON_SHUTDOWN=suspend it takes the VFs out of every running domain that
# holds some and gives them back, leaves stopped domains' leases alone, keeps
# the lease of a VF whose guest never lets it go, and does nothing when
# libvirt-guests shuts guests down.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-3"
LOG="$T/attach.log"
ROOT="$T/root"
mkdir -p "$LOG.config" "$ROOT/etc/default"
guests() { printf '%s\n' "$@" > "$ROOT/etc/default/libvirt-guests"; }

# running NAME N: domain NAME (uuid N) runs, no request, 2 free root ports.
running() {
  domain_xml "$1" "$2" | sed "s/<domain type='qemu'>/<domain type='qemu' id='$2'>/" \
    > "$T/libvirt/$1.xml"
  domain_xml "$1" "$2" > "$LOG.config/$1.xml"
}
vlan_of_all() { for i in 0 1 2 3; do printf '%s ' "$(vf_state ens1f0 $i vlan)"; done; }

running web1 1
running web2 2
"$CTL" attach web1 --pool tenant --vlan 11 > /dev/null && "$CTL" attach web1 --pool tenant --vlan 12 > /dev/null \
  && "$CTL" attach web2 --pool tenant --vlan 21 > /dev/null
check "web1 holds two VFs, web2 one" \
  bash -c "[ \$(echo '$(lease_of web1)' | wc -w) = 2 ] && [ \$(echo '$(lease_of web2)' | wc -w) = 1 ]"
# web3 stopped without its release end: a stale lease, reconcile's business.
running web3 3
"$CTL" attach web3 --pool tenant --vlan 31 > /dev/null
stale=$(lease_of web3)
rm "$T/libvirt/web3.xml"
before=$(vlan_of_all)

# 1. libvirt-guests shuts guests down: nothing to do, nothing asked of libvirt.
guests 'ON_SHUTDOWN=shutdown'
: > "$LOG"
"$CTL" host-shutdown --root "$ROOT" > "$T/out" 2> "$T/err"; rc=$?
check "ON_SHUTDOWN=shutdown: exit 0, says nothing to take out ($(cat "$T/out" "$T/err"))" \
  bash -c "[ $rc = 0 ] && grep -q 'ON_SHUTDOWN=shutdown in .*: libvirt-guests does not save domains; nothing to take out' '$T/out'"
check "  no call to libvirt, every lease and VLAN kept" \
  bash -c "[ ! -s '$LOG' ] && [ \$(ls '$T/run/leases' | wc -l) = 4 ] && [ '$(vlan_of_all)' = '$before' ]"

# 2. suspend, but a guest never lets its VF go: that domain keeps its
# lease and is reported; the others are done all the same.
guests '# saved at shutdown' 'ON_SHUTDOWN=suspend'
rm -f "$LOG.ack-unplug"
"$CTL" host-shutdown --root "$ROOT" --timeout 1 > "$T/out" 2> "$T/err"; rc=$?
check "suspend, no guest acks: exit 1, one line per domain naming it ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 2 ] \
           && grep -q \"^vfpoolctl: host-shutdown: domain 'web1': nic 0: the guest did not release device ua-vfpool-0 within 1 s (0 VFs given back); libvirt-guests cannot save it\$\" '$T/err' \
           && grep -q \"domain 'web2': nic 0\" '$T/err'"
check "  every lease kept, no VF touched" \
  bash -c "[ \$(ls '$T/run/leases' | wc -l) = 4 ] && [ '$(vlan_of_all)' = '$before' ]"

touch "$LOG.ack-unplug"
: > "$LOG"
"$CTL" host-shutdown --root "$ROOT" > "$T/out" 2> "$T/err"; rc=$?
# 3. suspend, the guests ack now (and did ack step 2's requests since):
# every running domain's VFs back, those already out of the guest too.
check "suspend: exit 0, a line per domain ($(cat "$T/out" "$T/err"))" \
  bash -c "[ $rc = 0 ] && [ ! -s '$T/err' ] \
           && grep -q \"^domain 'web1': 2 VFs given back; libvirt-guests can save it\" '$T/out' \
           && grep -q \"^domain 'web2': 1 VF given back\" '$T/out' && [ \$(wc -l < '$T/out') = 2 ]"
# web1's nic 0, asked out by step 2, left when the guest acked: it is not
# asked again, and its VF goes back with the others.
check "  web1's nic 1 asked out, its nic 0 not again; nothing saved by vfpoolctl" \
  bash -c "grep -qx 'detach-alias web1 ua-vfpool-1' '$LOG' && ! grep -q 'detach-alias web1 ua-vfpool-0' '$LOG' && ! grep -q managedsave '$LOG'"
zeros=$(vlan_of_all | tr ' ' '\n' | grep -cx 0)
check "  web1 and web2 hold no lease, their three VFs restored (VLAN 0; $(vlan_of_all))" \
  bash -c "[ -z '$(lease_of web1)$(lease_of web2)' ] && [ $zeros = 3 ]"
check "  the stopped web3 keeps its lease (reconcile frees it)" test "$(lease_of web3)" = "$stale"
check "  the live requests keep their nics, so the restore leases again" \
  bash -c "[ \$(grep -o '<vfpool:nic ' '$T/libvirt/web1.xml' | wc -l) = 2 ]"

# 4. Nothing left to take out; JSON for machines; --force under shutdown.
"$CTL" host-shutdown --root "$ROOT" --json > "$T/out"; rc=$?
check "again: exit 0, JSON with acted true and no domain ($(cat "$T/out"))" \
  bash -c "[ $rc = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"version\"]==1 and d[\"on_shutdown\"]==\"suspend\" and d[\"acted\"] is True and d[\"domains\"]==[]' '$T/out'"
"$CTL" attach web2 --pool tenant --vlan 22 > /dev/null
guests 'ON_SHUTDOWN=shutdown'
"$CTL" host-shutdown --root "$ROOT" --force --json > "$T/out"; rc=$?
check "--force under shutdown: acts; JSON names web2 with 1 VF, no error ($(cat "$T/out"))" \
  bash -c "[ $rc = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"acted\"] is True and d[\"domains\"]==[{\"domain\":\"web2\",\"returned\":1,\"error\":None}]' '$T/out' && [ -z '$(lease_of web2)' ]"

# 5. Usage errors: one line, exit 2, nothing done.
"$CTL" host-shutdown --timeout x > /dev/null 2> "$T/err"; rc=$?
check "--timeout x: exit 2, one line ($(cat "$T/err"))" \
  bash -c "[ $rc = 2 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q \"timeout 'x'\" '$T/err'"
"$CTL" host-shutdown web1 > /dev/null 2> "$T/err"; rc=$?
check "an argument: exit 2 ($(cat "$T/err"))" test "$rc" = 2
finish
