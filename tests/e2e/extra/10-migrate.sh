#!/bin/bash
# extra/10-migrate.sh: opt-in — live migration between two libvirt hosts in the fixture (host B: a second libvirtd in its own mount namespace, lib.sh host_b_up): a plain domain A -> B -> A (the control), then a guest with an OS on a vfpool failover nic A -> B -> A with plain `virsh migrate --live`: each time the destination's hook leases a VF of its own pool and re-points the device, the source's VF goes back, and the guest pairs the new VF; then a migration the destination refuses (its pool exhausted): it fails with vfpool's line and the source keeps its VF.
# Run: make check-e2e E2E_ONLY=none E2E_SCENARIOS=$PWD/tests/e2e/extra/10-migrate.sh E2E_TIMEOUT=2400
# e2e-timeout: 1800
. "$E2E_LIB"
set -u
S0=$SECONDS
( while kill -0 $$ 2>/dev/null; do sleep 50; log "10: running for $((SECONDS - S0)) s"; done ) &
now () { date +%s.%N; }
dt () { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
# mig FROM-URI TO-URI DOMAIN [virsh migrate options]: `virsh migrate --live`;
# OUT, RC, T set; libvirt's own figures of the completed job logged.
mig () {
  local from=$1 to=$2 dom=$3 t; shift 3
  t=$(now)
  OUT=$(timeout 600 virsh -c "$from" migrate --live "$@" "$dom" "$to" --migrateuri tcp://127.0.0.1 2>&1); RC=$?
  T=$(dt "$t")
  log "MEASURED: virsh migrate --live $* $dom to $to: rc=$RC in $T s: $(echo "$OUT" | tr '\n' ' ' | cut -c1-300)"
  [ "$RC" = 0 ] && log "MEASURED: destination's domjobinfo --completed: $(virsh -c "$to" -q domjobinfo --completed "$dom" 2>&1 | grep -E 'Time elapsed|downtime|Data processed' | tr -s ' ' | tr '\n' ';')"
}
# window MARK: the guest's reports since MARK as "uptime:primary" pairs, to
# read how long it ran without a VF (reports come every ~5 s).
window () {
  since "$C" "$1" | awk '/ ifs:/ { split($2, a, "="); t = a[2] } /FAILOVER/ { for (i = 1; i <= NF; i++) if ($i ~ /^primary=/) printf "%s:%s ", t, substr($i, 9) }'
}
# paired_again MARK: a report with no primary after MARK, then one with one.
paired_again () {
  local none
  none=$(since "$C" "$1" | grep -n 'NESTED: FAILOVER.*primary=none' | head -1 | cut -d: -f1)
  [ -n "$none" ] && since "$C" "$1" | tail -n +"$none" | grep 'NESTED: FAILOVER' | grep -v 'primary=none' | grep -q 'primary='
}
A_URI=qemu:///system

snapshot_vfs
host_b_up
log "host B up after $((SECONDS - S0)) s"

# ---- 0. control: a plain domain (no vfpool) A -> B -> A ---------------------------
domain_xml e2e-plain "$(dom_uuid 111)" x | sed '/<metadata>/,/<\/metadata>/d' > /tmp/e2e-plain.xml
virsh -q define /tmp/e2e-plain.xml >/dev/null || fail "define e2e-plain"
start_dom e2e-plain
assert "e2e-plain runs on A" [ "$RC" = 0 ]
mig "$A_URI" "$B_URI" e2e-plain
[ "$RC" = 0 ] || { tail -5 /var/log/libvirt/qemu/e2e-plain.log; tail -5 /tmp/hostb-varlog/qemu/e2e-plain.log; }
assert "control: e2e-plain migrates to B" sh -c "[ $RC = 0 ] && [ \"\$(virsh -c '$B_URI' -q domstate e2e-plain)\" = running ]"
mig "$B_URI" "$A_URI" e2e-plain
assert "control: and back to A" sh -c "[ $RC = 0 ] && [ \"\$(virsh -q domstate e2e-plain)\" = running ]"
virsh -q destroy e2e-plain >/dev/null; virsh -q undefine e2e-plain >/dev/null

# ---- 1. a failover domain on A --------------------------------------------------------
C=/tmp/e2e-mig-console.log
MAC=52:54:00:e2:01:01
D=e2e-mig
standby_network default
vb -q net-define /tmp/net-default.xml >/dev/null && vb -q net-start default >/dev/null || fail "standby network on B"
pool e2e 0 1
pool_b e2e 2 3
FO_PORTS=3
nested_failover_xml $D "$(dom_uuid 112)" "$C" \
  "<vfpool:request xmlns:vfpool=\"urn:vfpool:domain:1\"><vfpool:nic pool=\"e2e\" failover=\"yes\" mac=\"$MAC\"/></vfpool:request>" \
  "" > /tmp/$D.xml
virsh -q define /tmp/$D.xml >/dev/null || fail "define $D"
rm -f "$C"
start_dom $D
assert "virsh start $D on A" [ "$RC" = 0 ]
# vf_of URI: the VF of $D's live hostdev interface on host URI.
vf_of () { virsh -c "$1" -q dumpxml $D 2>/dev/null | tr -d '\n' | grep -o "<interface type='hostdev'.*</interface>" | grep -o "<source>[^/]*<address [^>]*>" | head -1 | sed -E "s/.*bus='0x([0-9a-f]+)' slot='0x([0-9a-f]+)' function='0x([0-9a-f]+)'.*/0000:\1:\2.\3/"; }
has_vf_on () { [ -n "$(vf_of "$1")" ]; }
assert "A hot-plugs the pair" wait_until 60 has_vf_on "$A_URI"
VA=$(vf_of "$A_URI"); VA_IDX=$(vf_index_of "$VA")
assert "A's VF $VA is one of A's pool (VF 0-1)" [ "$VA_IDX" -le 1 ]
wait_console 450 "the nested VM's first report" grep -q 'NESTED: FAILOVER' "$C" || fail "the nested VM did not report in 450 s"
wait_console 300 "the guest's primary" primary_now "$C" 0 || fail "the guest never paired A's VF"
log "ok: boot on A: $(last_failover "$C" 0)"

# ---- 2. A -> B with plain virsh migrate --live ---------------------------------------
mk=$(console_lines "$C")
mig "$A_URI" "$B_URI" $D --persistent --undefinesource
[ "$RC" = 0 ] || { tail -8 /var/log/libvirt/qemu/$D.log; tail -8 /tmp/hostb-varlog/qemu/$D.log; }
assert "$D migrates to B" [ "$RC" = 0 ]
assert "$D runs on B" sh -c "[ \"\$(virsh -c '$B_URI' -q domstate $D)\" = running ]"
VB=$(vf_of "$B_URI"); VB_IDX=$(vf_index_of "$VB" 2>/dev/null || echo none)
log "B's live XML names VF $VB (index $VB_IDX)"
assert "B re-pointed the VF to one of B's pool (VF 2-3)" [ "$VB_IDX" = 2 -o "$VB_IDX" = 3 ]
assert "B's lease for $VB" [ -e "$B_LEASE_DIR/$VB" ]
assert "B's VF carries $MAC" vf_line_has "$VB_IDX" "link/ether $MAC"
assert "A's lease is gone" wait_until 30 no_leases
assert "A's VF $VA is as before" wait_until 30 vf_line_is "$VA_IDX" "$(vf_line_before "$VA_IDX")"
assert "--persistent: B's definition has the request and no VF address" \
  sh -c "virsh -c '$B_URI' -q dumpxml --inactive $D | grep -q 'urn:vfpool:domain:1' && ! virsh -c '$B_URI' -q dumpxml --inactive $D | grep -q \"<interface type='hostdev'\""
assert "--undefinesource: A no longer defines $D" sh -c "! virsh -q dominfo $D >/dev/null 2>&1"
t=$(now)
wait_console 300 "the guest's primary on B" paired_again "$mk" || { since "$C" "$mk" | tail -8; fail "the guest never paired B's VF"; }
log "MEASURED: the guest paired B's VF $(dt "$t") s after the migration returned; reports (uptime:primary): $(window "$mk")"

# ---- 3. B -> A -------------------------------------------------------------------------
mk=$(console_lines "$C")
mig "$B_URI" "$A_URI" $D --persistent --undefinesource
assert "$D migrates back to A" [ "$RC" = 0 ]
assert "$D runs on A" dom_running $D
VA=$(vf_of "$A_URI"); VA_IDX=$(vf_index_of "$VA")
assert "A re-pointed the VF to one of A's pool" [ "$VA_IDX" -le 1 ]
assert "A's lease for $VA" [ -e "$LEASE_DIR/$VA" ]
assert "B's lease is gone" sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 0 ]"
assert "B's VF $VB is as before" wait_until 30 vf_line_is "$VB_IDX" "$(vf_line_before "$VB_IDX")"
t=$(now)
wait_console 300 "the guest's primary on A" paired_again "$mk" || fail "the guest never paired A's VF after coming back"
log "MEASURED: the guest paired A's VF $(dt "$t") s after the migration returned; reports (uptime:primary): $(window "$mk")"

# ---- 4. B's pool exhausted: B refuses, the migration fails, A keeps its VF ----------------
define_b () {  # NAME N: a tiny domain on B asking B's pool
  domain_xml "$1" "$(dom_uuid "$2")" 'pool="e2e"' > "/tmp/$1.xml"
  vb -q define "/tmp/$1.xml" >/dev/null && vb -q start "$1" >/dev/null
}
define_b e2e-b1 113 && define_b e2e-b2 114 || fail "B's holders"
assert "B's pool is exhausted" wait_until 30 sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 2 ]"
mig "$A_URI" "$B_URI" $D
assert "the migration fails with vfpool's reason" sh -c "[ $RC != 0 ] && echo \"\$1\" | grep -q \"pool 'e2e' has no free VF\"" _ "$OUT"
assert "$D still runs on A with $VA" sh -c "[ \"\$(virsh -q domstate $D)\" = running ] && [ -e '$LEASE_DIR/$VA' ]"
assert "B has no lease for $D" sh -c "! grep -l '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null"

# ---- 5. the end: nothing left on either host ------------------------------------------
virsh -q destroy $D >/dev/null
vb -q destroy e2e-b1 >/dev/null; vb -q destroy e2e-b2 >/dev/null
assert "no leases on A" wait_until 30 no_leases
assert "no leases on B" wait_until 30 sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 0 ]"
assert_vfs_restored "every VF as before" 60
host_b_down
log "10 done in $((SECONDS - S0)) s"
exit 0
