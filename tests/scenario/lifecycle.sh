#!/bin/bash
# lifecycle.sh: the libvirt operation sequences end to end on a simulated
# igb host: plain start + destroy, boot-time path, failed start after
# prepare, exhausted pool, managed save + restore, reconnect, reconcile.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-1" "spoofchk=on"
seed_vf ens1f0 0 02:00:00:00:00:aa 7
domain_xml d1 1 'pool="tenant" vlan="100" mac="52:54:00:12:34:56"' > "$T/d1.xml"
domain_xml d2 2 'pool="tenant" vlan="200"' > "$T/d2.xml"
domain_xml d3 3 'pool="tenant"' > "$T/d3.xml"
domain_xml plain 4 > "$T/plain.xml"

# A domain without a request is left alone and nothing is created.
check "domain without request: every operation exits 0" \
  bash -c "$(declare -f hook_env hook start_plain stop_domain); HOOK='$HOOK'; start_plain plain '$T/plain.xml' && stop_domain plain '$T/plain.xml'"
check "domain without request: no lease, no VF change" test "$(lease_count)" = 0 -a ! -e "$T/nl.log"

# 1. plain start: prepare leases + configures, started hot-plugs.
check "d1 prepare/start/started succeed" start_plain d1 "$T/d1.xml"
vf=$(lease_of d1)
check "d1 leased VF 0 (lowest index)" test "$vf" = 0000:01:10.0
check "d1 VF got the requested MAC" test "$(vf_state ens1f0 0 mac)" = 52:54:00:12:34:56
check "d1 VF got VLAN 100" test "$(vf_state ens1f0 0 vlan)" = 100
check "d1 lease saved the original MAC" grep -qx "mac=02:00:00:00:00:aa" "$T/run/leases/$vf"
check "hot-plug worker attached ua-vfpool-0 on d1's VF" \
  wait_for "$T/attach.log" "attach $(uuid_of 1) .*bus=.0x01. slot=.0x10. function=.0x0..*ua-vfpool-0"

# 2. boot-time path: inject leases and adds the device; prepare adopts it.
"$CTL" inject < "$T/d2.xml" > "$T/d2-live.xml"
check "inject added a hostdev with alias ua-vfpool-0" grep -q "ua-vfpool-0" "$T/d2-live.xml"
check "inject reserved VF 1 for d2" test "$(lease_of d2)" = 0000:01:10.2
check "inject did not touch the VF yet" test "$(vf_state ens1f0 1 vlan)" = 0
check "d2 starts with the injected XML" start_plain d2 "$T/d2-live.xml"
check "d2 VF configured at prepare (VLAN 200)" test "$(vf_state ens1f0 1 vlan)" = 200
check "d2 derived MAC is locally administered" \
  bash -c "[[ \$(grep -c '' <<< '$(vf_state ens1f0 1 mac)') == 1 && '$(vf_state ens1f0 1 mac)' =~ ^.[2367abef]: ]]"
check "no hot-plug for d2 (device already in XML)" bash -c "! grep -q '$(uuid_of 2)' '$T/attach.log'"

# 3. exhausted pool: one clear line naming the pool and the holders.
err=$(hook d3 prepare begin "$T/d3.xml" 2>&1 >/dev/null); rc=$?
check "d3 refused with exit 1" test "$rc" = 1
check "refusal is one line naming domain, pool and holders" \
  bash -c "[[ \$(wc -l <<< \"$err\") == 1 && \"$err\" == *\"domain 'd3'\"*\"pool 'tenant' has no free VF\"*d1*d2* ]]"
echo "    message: $err"
stop_domain d3 "$T/d3.xml"
check "the refusal is counted in the metrics" \
  bash -c "'$CTL' metrics | grep -qx 'vfpool_allocation_failures_total{pool=\"tenant\"} 1'"
check "refused start leaves the other leases alone" test "$(lease_count)" = 2

# 4. destroy d1: original state back, lease gone; d3 now starts.
stop_domain d1 "$T/d1.xml"
check "d1 lease gone" test -z "$(lease_of d1)"
check "d1 VF MAC restored to original" test "$(vf_state ens1f0 0 mac)" = 02:00:00:00:00:aa
check "d1 VF VLAN restored to original" test "$(vf_state ens1f0 0 vlan)" = 7
stop_domain d1 "$T/d1.xml"
check "release end twice is harmless" test "$(vf_state ens1f0 0 vlan)" = 7
check "d3 starts once d1 is gone" start_plain d3 "$T/d3.xml"
check "d3 got d1's old VF" test "$(lease_of d3)" = 0000:01:10.0

# 5. failed start after prepare: libvirt sends stopped end + release end.
stop_domain d3 "$T/d3.xml"
check "failed start: lease released" test -z "$(lease_of d3)"

# 6. managed save + restore: the saved live XML carries the hot-plugged
# device; prepare must claim exactly that VF.
grep -o "<hostdev.*</hostdev>" "$T/attach.log" | head -1 > "$T/dev.xml"
sed "s|</devices>|$(cat "$T/dev.xml")</devices>|" "$T/d1.xml" > "$T/d1-saved.xml"
stop_domain d2 "$T/d2-live.xml"
out=$(hook d1 restore begin "$T/d1-saved.xml")
check "restore begin outputs nothing (XML unchanged)" test -z "$out"
check "restore: prepare claims the VF in the saved XML" hook d1 prepare begin "$T/d1-saved.xml"
check "restore: d1 holds VF 0 again" test "$(lease_of d1)" = 0000:01:10.0

# 7. reconnect: exits 0, records the pid, keeps the lease.  The fake QEMU
# carries -name guest=d1,... and -uuid in its command line, as libvirt's does.
fake_qemu d1 "$(uuid_of 1)"; KEEP_PIDS=$FAKE_QEMU_PID
echo "$KEEP_PIDS" > "$T/libvirt/d1.pid"
check "reconnect begin exits 0" hook d1 reconnect begin "$T/d1-saved.xml"
check "reconnect recorded the QEMU pid" grep -qx "qemu-pid=$KEEP_PIDS" "$T/run/leases/0000:01:10.0"

check "vfpoolctl release refuses a running domain" bash -c "! '$CTL' release d1 2>/dev/null"
check "... and its lease stays" test "$(lease_of d1)" = 0000:01:10.0

# 8. reconcile: never frees a running domain's VF; frees a dead one's.
"$CTL" reconcile > "$T/rec1.txt"
check "reconcile keeps the running domain's lease" test "$(lease_of d1)" = 0000:01:10.0
kill "$KEEP_PIDS"; wait "$KEEP_PIDS" 2>/dev/null; KEEP_PIDS=
"$CTL" reconcile > "$T/rec2.txt"
check "reconcile frees the lease once QEMU is gone" test -z "$(lease_of d1)"
check "reconcile restored the VF" test "$(vf_state ens1f0 0 vlan)" = 7
"$CTL" status --json > "$T/status.json"
check "status --json is valid JSON with both VFs free" \
  python3 -c "import json,sys; d=json.load(open('$T/status.json')); sys.exit(0 if [v['state'] for v in d['vfs']]==['free','free'] else 1)"

# 9. an unreadable lease store: reconnect still exits 0.
rm -rf "$T/run/leases"; echo junk > "$T/run/leases"
check "reconnect begin exits 0 even when the lease store is broken" hook d1 reconnect begin "$T/d1-saved.xml"
rm -f "$T/run/leases"

# vfpoolctl release of a domain whose VF cannot be restored: the VF is
# quarantined, and the command says so and exits 1 — not "released every VF".
domain_xml q1 71 'pool="tenant" vlan="300"' > "$T/q1.xml"
hook q1 prepare begin "$T/q1.xml"
vf=$(basename "$(grep -l "$(uuid_of 71)" "$T"/run/leases/* | head -1)")
[ -n "$vf" ] || not_ok "q1 holds no lease"
echo "* vlan EIO" > "$T/nl.log.rules"
out=$("$CTL" release --force q1 2>/dev/null); rc=$?
rm -f "$T/nl.log.rules"
check "release with a VF it cannot restore: exit 1 (rc=$rc)" test "$rc" = 1
check "  says 1 could not be restored and is quarantined ($out)" \
  bash -c "[[ \"\$1\" == *'released 0 VFs of domain '\\''q1'\\''; 1 could not be restored and is quarantined'* ]]" _ "$out"
check "  the VF is in quarantine, not free" test -e "$T/run/quarantine/$vf"
"$CTL" quarantine clear "$vf" >/dev/null

finish
