#!/bin/bash
# hotplug-worker.sh: the hook hands its job to vfpool-hotplug, the program
# installed beside it (the static hook cannot load libvirt).  A worker that
# cannot be run gives the VFs back; a job it cannot read, or one for a lease
# that is not (or no longer) the job's, changes nothing.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"
WORKER="$VFP_INST$VFP_SBINDIR/vfpool-hotplug"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-1"
domain_xml d1 1 'pool="tenant" vlan="100"' > "$T/d1.xml"
domain_xml d2 2 'pool="tenant" vlan="200"' > "$T/d2.xml"

# 1. The worker beside the hook plugs the VF.
check "d1 starts" start_plain d1 "$T/d1.xml"
check "the worker beside the hook attached d1's VF" \
  wait_for "$T/attach.log" "attach $(uuid_of 1) .*ua-vfpool-0"
check "d1 keeps its lease" test -n "$(lease_of d1)"

# 2. A hook with no worker beside it (a copy elsewhere): the VF is not left
# leased to a domain that will never get it.
mkdir -p "$T/sbin"
cp "$HOOK" "$T/sbin/vfpool-hook"
check "d2 prepare and start" bash -c "$(declare -f hook_env hook); HOOK='$HOOK'; \
  hook d2 prepare begin '$T/d2.xml' && hook d2 start begin '$T/d2.xml'"
vf2=$(lease_of d2)
check "d2 holds a VF before started" test -n "$vf2"
HOOK="$T/sbin/vfpool-hook" hook d2 started begin "$T/d2.xml"; rc=$?
check "started begin still exits 0 (the domain runs)" test "$rc" = 0
for _ in $(seq 50); do [ -e "$T/run/leases/$vf2" ] || break; sleep 0.1; done
check "without a worker d2's lease is released" test ! -e "$T/run/leases/$vf2"
check "and its VF restored (VLAN 0)" test "$(vf_state ens1f0 1 vlan)" = 0
check "nothing attached for d2" bash -c "! grep -q '$(uuid_of 2)' '$T/attach.log'"

# 3. vfpool-hotplug run by hand: usage on a terminal-less empty stdin is a
# job it cannot read; it exits 1 and touches nothing.
before=$(ls "$T/run/leases" | sort)
printf 'garbage\n' | env VFPOOL_STATE_DIR="$VFPOOL_STATE_DIR" VFPOOL_LIBVIRT_URI="$VFPOOL_LIBVIRT_URI" \
  "$WORKER"; rc=$?
check "a job that is no job: exit 1" test "$rc" = 1
check "usage error for extra arguments: exit 2" bash -c "'$WORKER' extra < /dev/null; test \$? = 2"

# 4. A forged job for d1's VF under another domain's UUID and a start id
# that is not the lease's: the worker neither attaches nor releases.
cat > "$T/forged.job" <<EOF
[job]
uuid=$(uuid_of 9)
name=intruder
domid=0
devices=1

[device 0]
nic=0
vf=$(lease_of d1)
start-id=not-the-lease-start
qemu-pid=0
form=hostdev
managed=true
EOF
lines_before=$(wc -l < "$T/attach.log")
hook_env "$WORKER" < "$T/forged.job"; rc=$?
check "the forged job runs to its end (exit 0)" test "$rc" = 0
check "nothing attached for the forged owner" test "$(wc -l < "$T/attach.log")" = "$lines_before"
check "d1's lease is still there" test "$(ls "$T/run/leases" | sort)" = "$before"
check "d1's VF keeps VLAN 100" test "$(vf_state ens1f0 0 vlan)" = 100

stop_domain d1 "$T/d1.xml"
stop_domain d2 "$T/d2.xml"
check "no lease left" test "$(lease_count)" = 0
finish
