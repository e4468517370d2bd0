#!/bin/bash
# identity.sh: a lease belongs to one *start* of a domain, not to its UUID.
# Replays the hardening review's sequences with the installed hook and CLI:
# a stale hot-plug worker after destroy + restart, reservations for nics no
# longer requested, a release end whose XML lost every trace of vfpool.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0#0-0" "spoofchk=on"
POOL_FILE=q.conf pool "[pool q]" "pfs=ens1f0#1-6"
domain_xml web1 1 'pool="p" vlan="100"' > "$T/web1.xml"
attaches() { grep -c "^attach $1 " "$T/attach.log" 2>/dev/null; }

# 1. Plain start of web1; its worker's attach waits (as for the start job);
# web1 is destroyed and started again (same VF, a new lease); then the first
# worker goes on.  It must neither plug the VF into the new instance nor
# release it: the lease it was forked for is gone.
touch "$T/attach.log.hold"
check "web1 first start" start_plain web1 "$T/web1.xml"
first=$(sed -n 's/^start-id=//p' "$T/run/leases/0000:01:10.0")
stop_domain web1 "$T/web1.xml"
check "web1 second start gets the same VF" start_plain web1 "$T/web1.xml"
second=$(sed -n 's/^start-id=//p' "$T/run/leases/0000:01:10.0")
check "the two starts have different start ids" test -n "$first" -a -n "$second" -a "$first" != "$second"
rm -f "$T/attach.log.hold"
wait_for "$T/attach.log" "^attach $(uuid_of 1) "
sleep 1   # both workers have had their turn by now
check "only the current start's worker attached (1 attach)" test "$(attaches "$(uuid_of 1)")" = 1
check "web1's lease survives the stale worker" grep -qx "start-id=$second" "$T/run/leases/0000:01:10.0"
check "web1's VF keeps VLAN 100" test "$(vf_state ens1f0 0 vlan)" = 100

# 10. release end with a live XML that lost the request and the devices
# (virsh metadata --live --remove + detach-device): released by UUID.
domain_xml web1 1 > "$T/web1-bare.xml"
stop_domain web1 "$T/web1-bare.xml"
check "release end without vfpool in the XML frees web1's lease" test -z "$(lease_of web1)"
check "... and restores its VF" test "$(vf_state ens1f0 0 vlan)" = 0
check "... and leaves no owner index dir" test ! -e "$T/run/owners/$(uuid_of 1)"

# 3. A reservation for a nic the current request no longer has is never
# hot-plugged unconfigured: `vfpoolctl inject` of a 2-nic XML lands while
# the 1-nic domain is being started (prepare done, started to come).
domain_xml d2 2 'pool="q" vlan="200"' > "$T/d2.xml"
domain_xml d2 2 'pool="q" vlan="200"' 'pool="q" vlan="201"' > "$T/d2-two.xml"
check "d2 prepare (one nic)" hook d2 prepare begin "$T/d2.xml"
"$CTL" inject < "$T/d2-two.xml" > /dev/null 2>&1
check "the racing inject reserved more VFs for d2" test "$(lease_of d2 | wc -l)" -ge 2
check "d2 started" hook d2 started begin "$T/d2.xml"
wait_for "$T/attach.log" "^attach $(uuid_of 2) "
sleep 0.5
check "only nic 0 was hot-plugged" test "$(attaches "$(uuid_of 2)")" = 1
check "the plugged device is nic 0 with VLAN 200" \
  bash -c "grep '^attach $(uuid_of 2) ' '$T/attach.log' | grep -q 'ua-vfpool-0'"
check "the leftover reservations were released (one lease left)" test "$(lease_of d2 | wc -l)" = 1
check "it is the configured one" grep -qx "state=configured" "$T/run/leases/$(lease_of d2)"

# An inject reservation for a nic dropped from the request does not survive
# a plain start either (prepare releases it).
stop_domain d2 "$T/d2.xml"
"$CTL" inject < "$T/d2-two.xml" > /dev/null
check "inject reserved two VFs" test "$(lease_of d2 | wc -l)" = 2
check "d2 plain start with one nic" start_plain d2 "$T/d2.xml"
check "d2 holds one VF after prepare" test "$(lease_of d2 | wc -l)" = 1
stop_domain d2 "$T/d2.xml"
check "everything back" test "$(lease_count)" = 0

# 9. A pipeline's `inject` + `virsh create` that lost the race to a plain
# start undoes only its own reservation: `release --injected` frees what is
# still reserved, never what a start took over.
domain_xml d4 4 'pool="q" vlan="400"' > "$T/d4.xml"
"$CTL" inject < "$T/d4.xml" > "$T/d4-live.xml"
check "inject reserved a VF for d4" test "$(lease_of d4 | wc -l)" = 1
out=$("$CTL" release --injected "$T/d4-live.xml")
check "release --injected frees the reservation ($out)" test -z "$(lease_of d4)"
"$CTL" inject < "$T/d4.xml" > "$T/d4-live.xml"
check "d4 plain start takes the reservation over" start_plain d4 "$T/d4.xml"
vf=$(lease_of d4)
out=$("$CTL" release --injected "$T/d4-live.xml")
check "release --injected leaves the running start's VF ($out)" test "$(lease_of d4)" = "$vf"
check "... configured" grep -qx "state=configured" "$T/run/leases/$vf"
stop_domain d4 "$T/d4.xml"
check "nothing left" test "$(lease_count)" = 0

finish
