#!/bin/bash
# extra/10-migrate.sh: opt-in — live migration between two libvirt hosts in the fixture (host B: a second libvirtd in its own mount namespace, lib.sh host_b_up): a plain domain A -> B -> A (the control), then a guest with an OS on a vfpool failover nic A -> B -> A with plain `virsh migrate --live`: each time the destination's hook leases a VF of its own pool and re-points the device, the source's VF goes back, and the guest pairs the new VF; then a migration the destination refuses (its pool exhausted): it fails with vfpool's line and the source keeps its VF; a migration aborted with virsh domjobabort leaves nothing on B; vfpoolctl status on each host tells the domain migrating out and in; the source's QEMU killed mid-migration, and the source's libvirtd killed with it (the host dying), leave nothing on either host; then a guest on a plain VF through vfpoolctl migrate A -> B (VF out, migrate, B's VF plugged), and back to an exhausted A (refused, the VF back in on B).
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
# primary_of MARK: the primary (NAME(DRIVER,IFINDEX)) of the last report.
primary_of () { last_failover "$C" "$1" | sed -n 's/.*primary=//p'; }
# paired_again MARK OLD: a report after MARK has a primary other than OLD
# driven by igbvf (the ifindex of a re-plugged VF is new even when its name
# is the same; a primary shown with driver "none" is one being unplugged).
paired_again () {
  since "$C" "$1" | grep 'NESTED: FAILOVER' | sed -n 's/.*primary=//p' | grep '(igbvf,[0-9]*)$' | grep -qvxF -- "$2"
}
# net_up WHERE MARK: the guest's network works over its current primary VF:
# the guest runs DHCP over the failover master each time a new primary
# appears, and the standby's bridge has no DHCP server, so a lease means
# the traffic went through the VF (igb -> the fixture's user network).
net_up () {
  local pr
  pr=$(since "$C" "$2" | grep 'NESTED: FAILOVER' | sed -n 's/.*primary=//p' | grep '(igbvf,[0-9]*)$' | tail -1)
  dhcp_done () { since "$C" "$2" | grep -F "(primary $pr)" | grep -qF "$1"; }
  guest_wait "$C" 120 "DHCP over $pr ($1)" dhcp_done "NESTED: DHCP-" "$2"
  log "MEASURED: $1: $(since "$C" "$2" | grep -F "(primary $pr)" | tail -1)"
  assert "$1: the guest got a DHCP lease over its VF $pr" dhcp_done "NESTED: DHCP-OK $MAC over" "$2"
}
# guest_stuck FILE URI DOM MARK: what to look at when a guest did not do
# what was waited for: its last reports, the kernel's own lines on its
# console (a hung task or a netdev that cannot go is printed there), QEMU's
# PCI view on host URI.
guest_stuck () {
  since "$1" "$4" | tail -6
  tr -d '\r' < "$1" | tail -n +"$(( $4 + 1 ))" | grep -v '^NESTED:' | tail -15
  log "QEMU's info pci on $2: $(virsh -c "$2" -q qemu-monitor-command "$3" --hmp 'info pci' 2>&1 | grep -aE 'Ethernet|id "' | tr -s ' ' | tr '\n' ';')"
}
# A nested guest sometimes prints nothing at all after a migration (2 or 3 of
# 8 whole runs: the failover guest from the middle of its unplug on,
# the plain-VF guest after vfpoolctl migrate; docs/e2e.md).  That is the
# guest's (or its console's) fault, not vfpool's, and every later step
# needs a guest that answers (a failover migration waits for the guest to
# let its VF go).  guest_wait FILE SECONDS WHAT COMMAND... waits like
# wait_console and returns 0 when COMMAND came true, 1 when the guest kept
# printing but COMMAND never came true (a failure); when the guest behind
# FILE printed nothing for two minutes it logs E2E-GUEST-SILENT and ends
# the scenario through silent_end, which still checks vfpool's side: every
# domain destroyed on both hosts, no lease left on either, every VF as
# before.
silent_end () {
  local d
  for d in $(virsh -q list --name); do virsh -q destroy "$d" >/dev/null; done
  for d in $(vb -q list --name); do vb -q destroy "$d" >/dev/null; done
  assert "E2E-GUEST-SILENT end: no leases on A" wait_until 60 no_leases
  assert "E2E-GUEST-SILENT end: no leases on B" wait_until 60 sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 0 ]"
  assert_vfs_restored "E2E-GUEST-SILENT end: every VF as before" 60
  host_b_down
  log "10 ended early (E2E-GUEST-SILENT) in $((SECONDS - S0)) s"
  exit 0
}
guest_wait () {
  local f=$1 t=$2 what=$3 quiet; shift 3
  wait_console "$t" "$what" "$@" && return 0
  quiet=$(( $(date +%s) - $(stat -c %Y "$f") ))
  [ "$quiet" -ge 120 ] || return 1
  log "E2E-GUEST-SILENT: the nested guest of $f printed nothing for $quiet s; not checked: $what and the steps after it"
  tr -d '\r' < "$f" | tail -8
  silent_end
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
net_up "boot on A" 0

# ---- 2. A -> B with plain virsh migrate --live ---------------------------------------
mk=$(console_lines "$C")
P0=$(primary_of 0)
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
guest_wait "$C" 300 "the guest's primary on B" paired_again "$mk" "$P0"; r=$?
[ $r = 1 ] && { guest_stuck "$C" "$B_URI" $D "$mk"; fail "the guest never paired B's VF"; }
log "MEASURED: the guest paired B's VF $(dt "$t") s after the migration returned; reports (uptime:primary): $(window "$mk")"
net_up "after A -> B" "$mk"

# ---- 3. B -> A -------------------------------------------------------------------------
mk=$(console_lines "$C")
P1=$(primary_of 0)
mig "$B_URI" "$A_URI" $D --persistent --undefinesource
assert "$D migrates back to A" [ "$RC" = 0 ]
wait_until 60 dom_running $D || log "$D on A: $(virsh -q domstate --reason $D 2>&1)"
assert "$D runs on A" dom_running $D
VA=$(vf_of "$A_URI"); VA_IDX=$(vf_index_of "$VA")
assert "A re-pointed the VF to one of A's pool" [ "$VA_IDX" -le 1 ]
assert "A's lease for $VA" [ -e "$LEASE_DIR/$VA" ]
assert "B's lease is gone" sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 0 ]"
assert "B's VF $VB is as before" wait_until 30 vf_line_is "$VB_IDX" "$(vf_line_before "$VB_IDX")"
t=$(now)
guest_wait "$C" 300 "the guest's primary on A" paired_again "$mk" "$P1"; r=$?
[ $r = 1 ] && { log "before: $P1"; guest_stuck "$C" "$A_URI" $D "$mk"; fail "the guest never paired A's VF after coming back"; }
log "MEASURED: the guest paired A's VF $(dt "$t") s after the migration returned; reports (uptime:primary): $(window "$mk")"
net_up "after B -> A" "$mk"

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

# ---- 4b. virsh domjobabort in the middle: nothing left on B, A keeps its VF ---------------
vb -q destroy e2e-b1 >/dev/null; vb -q destroy e2e-b2 >/dev/null
assert "B's holders are gone" wait_until 30 sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 0 ]"
mk=$(console_lines "$C")
P2=$(primary_of 0)
t=$(now)
# 1 MiB/s: the ~85 MiB of RAM take over a minute, time enough to abort.
( OUT=$(virsh migrate --live --bandwidth 1 $D "$B_URI" --migrateuri tcp://127.0.0.1 2>&1); echo "rc=$? $OUT" > /tmp/e2e-mig-abort.out ) &
b_vfs_as_before () { vf_line_is 2 "$(vf_line_before 2)" && vf_line_is 3 "$(vf_line_before 3)"; }
assert "B leased a VF for the incoming $D" wait_until 60 sh -c "grep -lq '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null"
# What each side's libvirt says mid-migration, and what vfpoolctl status
# makes of it.
log "mid-migration: A: domstate $(virsh -q domstate --reason $D 2>&1), domjobinfo $(virsh -q domjobinfo $D 2>&1 | grep -E 'Job type|Operation' | tr -s ' ' | tr '\n' ';')"
log "mid-migration: B: domstate $(vb -q domstate --reason $D 2>&1), domjobinfo $(vb -q domjobinfo $D 2>&1 | tr -s ' ' | tr '\n' ';')"
STA=$(vfpoolctl status 2>&1); STB=$(on_b vfpoolctl status 2>&1)
log "mid-migration: status on A: $(echo "$STA" | grep -F "$VA")"
log "mid-migration: status on B: $(echo "$STB" | grep -F "$D")"
assert "status on A: $VA migrating-out for $D" sh -c "echo \"\$1\" | grep -F '$VA' | grep -q 'migrating-out.*$D'" _ "$STA"
assert "status on B (run there): a VF migrating-in for $D" sh -c "echo \"\$1\" | grep -q 'migrating-in.*$D'" _ "$STB"
sleep 1
OUT=$(virsh domjobabort $D 2>&1); RC=$?
log "MEASURED: virsh domjobabort $D $(dt "$t") s into the migration: rc=$RC $OUT"
wait_until 60 test -s /tmp/e2e-mig-abort.out
log "MEASURED: the aborted virsh migrate: $(tr '\n' ' ' < /tmp/e2e-mig-abort.out | cut -c1-300)"
assert "after the abort $D runs on A" dom_running $D
assert "A keeps its lease for $VA and the VF in the live XML" sh -c "[ -e '$LEASE_DIR/$VA' ] && [ \"\$(virsh -q dumpxml $D | grep -c \"<interface type='hostdev'\")\" = 1 ]"
assert "B has nothing left for $D" wait_until 60 sh -c "! grep -lq '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null && ! virsh -c '$B_URI' -q dominfo $D >/dev/null 2>&1"
assert "B's VFs are as before" wait_until 30 b_vfs_as_before
if guest_wait "$C" 120 "the guest's primary after the abort" primary_now "$C" "$(console_lines "$C")"; then
  log "MEASURED: after the abort the guest has a primary again: $(last_failover "$C" "$mk"); reports (uptime:primary): $(window "$mk")"
else
  log "MEASURED: after the abort the guest has no primary within 120 s; reports (uptime:primary): $(window "$mk")"
fi

# ---- 4c. the source's QEMU killed mid-migration: nothing left on either host -------------
assert "the guest's VF is back in on A before 4c" wait_until 60 sh -c "[ \"\$(virsh -q dumpxml $D | grep -c \"<interface type='hostdev'\")\" = 1 ]"
VA=$(vf_of "$A_URI"); VA_IDX=$(vf_index_of "$VA")
rm -f /tmp/e2e-mig-crash.out
t=$(now)
( OUT=$(virsh migrate --live --bandwidth 1 $D "$B_URI" --migrateuri tcp://127.0.0.1 2>&1); echo "rc=$? $OUT" > /tmp/e2e-mig-crash.out ) &
assert "B leased a VF for the incoming $D (4c)" wait_until 60 sh -c "grep -lq '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null"
QPID=$(cat /run/libvirt/qemu/$D.pid 2>/dev/null)
sleep 2
kill -9 "$QPID"
log "MEASURED: killed $D's QEMU on A (pid $QPID) $(dt "$t") s into the migration"
wait_until 120 test -s /tmp/e2e-mig-crash.out
log "MEASURED: the migration whose source died: $(tr '\n' ' ' < /tmp/e2e-mig-crash.out | cut -c1-300)"
assert "the migration failed" grep -q '^rc=[1-9]' /tmp/e2e-mig-crash.out
assert "$D is not running on A" sh -c "[ \"\$(virsh -q domstate $D)\" != running ]"
assert "A's lease for $VA is gone" wait_until 60 sh -c "[ ! -e '$LEASE_DIR/$VA' ]"
assert "A's VF $VA is as before" wait_until 30 vf_line_is "$VA_IDX" "$(vf_line_before "$VA_IDX")"
assert "B has nothing left for $D" wait_until 120 sh -c "! grep -lq '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null && ! virsh -c '$B_URI' -q dominfo $D >/dev/null 2>&1"
assert "B's VFs are as before (4c)" wait_until 30 b_vfs_as_before
log "MEASURED: after the source died, both hosts clean $(dt "$t") s after the migration began"

# ---- 4d. the source host dies mid-migration (its libvirtd and the QEMU killed at once) ----
# B must end the incoming domain on its own; A frees its lease when its
# libvirtd comes back and finds the QEMU gone.
start_dom $D
assert "virsh start $D on A again (4d)" [ "$RC" = 0 ]
VA=$(leases_of_uuid "$(dom_uuid 112)"); VA_IDX=$(vf_index_of "$VA")
assert "A leased $VA for $D (4d)" [ -n "$VA" ]
# the booting guest writes enough of its RAM for a minute at 1 MiB/s
sleep 20
rm -f /tmp/e2e-mig-hostdown.out
t=$(now)
( OUT=$(virsh migrate --live --bandwidth 1 $D "$B_URI" --migrateuri tcp://127.0.0.1 2>&1); echo "rc=$? $OUT" > /tmp/e2e-mig-hostdown.out ) &
assert "B leased a VF for the incoming $D (4d)" wait_until 60 sh -c "grep -lq '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null"
QPID=$(qemu_pid_of $D); LPID=$(cat /run/libvirtd.pid)
sleep 2
kill -9 "$LPID" "$QPID"
log "MEASURED: killed A's libvirtd (pid $LPID) and $D's QEMU (pid $QPID) $(dt "$t") s into the migration"
wait_until 120 test -s /tmp/e2e-mig-hostdown.out
log "MEASURED: the migration whose source host died: $(tr '\n' ' ' < /tmp/e2e-mig-hostdown.out | cut -c1-300)"
assert "the migration failed (4d)" grep -q '^rc=[1-9]' /tmp/e2e-mig-hostdown.out
assert "B has nothing left for $D (4d)" wait_until 120 sh -c "! grep -lq '$(dom_uuid 112)' '$B_LEASE_DIR'/* 2>/dev/null && ! virsh -c '$B_URI' -q dominfo $D >/dev/null 2>&1"
assert "B's VFs are as before (4d)" wait_until 30 b_vfs_as_before
log "MEASURED: B clean $(dt "$t") s after the migration began; A's lease for $VA still there while A's libvirtd is down: $([ -e "$LEASE_DIR/$VA" ] && echo yes || echo no)"
libvirtd -d || fail "libvirtd -d"
assert "A's libvirtd answers again" wait_until 60 sh -c 'virsh -q version >/dev/null 2>&1'
assert "$D is shut off on A" wait_until 30 sh -c "[ \"\$(virsh -q domstate $D)\" = 'shut off' ]"
assert "A's lease for $VA is gone (4d)" wait_until 60 sh -c "[ ! -e '$LEASE_DIR/$VA' ]"
assert "A's VF $VA is as before (4d)" wait_until 30 vf_line_is "$VA_IDX" "$(vf_line_before "$VA_IDX")"
log "MEASURED: after the source host's restart both hosts clean $(dt "$t") s after the migration began"

# ---- 5. a plain VF (no failover) through vfpoolctl migrate -------------------------------
virsh -q destroy $D >/dev/null 2>&1
C2=/tmp/e2e-mig2-console.log
MAC2=52:54:00:e2:01:02
D2=e2e-mig2
nested_failover_xml $D2 "$(dom_uuid 115)" "$C2" \
  "<vfpool:request xmlns:vfpool=\"urn:vfpool:domain:1\"><vfpool:nic pool=\"e2e\" mac=\"$MAC2\" vlan=\"0\" trust=\"on\"/></vfpool:request>" \
  "" > /tmp/$D2.xml
virsh -q define /tmp/$D2.xml >/dev/null || fail "define $D2"
rm -f "$C2"
start_dom $D2
assert "virsh start $D2 on A" [ "$RC" = 0 ]
# vf_igbvf FILE MARK: the guest's last report after MARK lists an igbvf NIC.
vf_igbvf () { since "$1" "$2" | grep ' ifs:' | tail -1 | grep -q '(igbvf,'; }
# igbvf_index MARK: the ifindex of the igbvf NIC in the last report after
# MARK; new_igbvf MARK OLD: a report after MARK has an igbvf NIC whose
# ifindex is not OLD (a re-plugged VF gets a new one).
igbvf_index () { since "$C2" "$1" | grep ' ifs:' | tail -1 | grep -o '(igbvf,[a-z]*,[0-9]*)' | head -1 | sed 's/.*,//; s/)//'; }
new_igbvf () { since "$C2" "$1" | grep ' ifs:' | grep -o '(igbvf,[a-z]*,[0-9]*)' | sed 's/.*,//; s/)//' | grep -qvx -- "$2"; }
wait_console 450 "$D2's first report" grep -q 'NESTED: t=' "$C2" || fail "$D2 did not report in 450 s"
wait_console 120 "$D2's igbvf" vf_igbvf "$C2" 0 || fail "$D2's guest never saw its VF"
V2=$(leases_of_uuid "$(dom_uuid 115)"); V2_IDX=$(vf_index_of "$V2")
log "ok: $D2 runs on A with VF $V2; the guest: $(since "$C2" 0 | grep ' ifs:' | tail -1)"
mk=$(console_lines "$C2")
I0=$(igbvf_index 0)
assert "the guest reports its VF's ifindex ($I0)" [ -n "$I0" ]
t=$(now)
OUT=$(timeout 600 vfpoolctl migrate $D2 "$B_URI" --migrateuri tcp://127.0.0.1 --timeout 120 2>&1); RC=$?
log "MEASURED: vfpoolctl migrate $D2 to B: rc=$RC in $(dt "$t") s: $(echo "$OUT" | tr '\n' ' ')"
assert "vfpoolctl migrate $D2 succeeds" [ "$RC" = 0 ]
assert "$D2 runs on B" sh -c "[ \"\$(virsh -c '$B_URI' -q domstate $D2)\" = running ]"
W2=$(ls "$B_LEASE_DIR" | head -1); W2_IDX=$(vf_index_of "$W2")
assert "B leased one of its pool's VFs ($W2) for $D2" sh -c "[ $W2_IDX = 2 -o $W2_IDX = 3 ] && grep -q '$(dom_uuid 115)' '$B_LEASE_DIR/$W2'"
assert "B's VF carries $MAC2 and trust on" sh -c "/sbin/ip -d link show $E2E_PF | grep -A1 '^ *vf $W2_IDX ' | grep -q 'link/ether $MAC2' && /sbin/ip -d link show $E2E_PF | grep '^ *vf $W2_IDX ' -A3 | grep -q 'trust on'"
assert "A's VF $V2 is free and as before" sh -c "[ ! -e '$LEASE_DIR/$V2' ]" 
assert "A's VF $V2's ip line is as before" wait_until 30 vf_line_is "$V2_IDX" "$(vf_line_before "$V2_IDX")"
assert "B's worker plugged $W2 into $D2 (its live XML)" \
  wait_until 90 sh -c "virsh -c '$B_URI' -q dumpxml $D2 | grep -q \"alias name='ua-vfpool-0'\""
guest_wait "$C2" 180 "$D2's guest on B to see a new VF" new_igbvf "$mk" "$I0"; r=$?
[ $r = 1 ] && { guest_stuck "$C2" "$B_URI" $D2 "$mk"; fail "$D2's guest never saw B's VF"; }
log "MEASURED: $D2's guest sees a VF again $(dt "$t") s after vfpoolctl migrate began; reports (uptime:igbvf?): $(since "$C2" "$mk" | awk '/ ifs:/ { split($2, a, "="); m = match($0, /[(]igbvf,[a-z]*,[0-9]*[)]/); printf "%s:%s ", a[2], m ? substr($0, RSTART, RLENGTH) : "none" }')"

# ---- 6. vfpoolctl migrate back, A's pool exhausted: refused, the VF goes back in on B ------
define_domain e2e-a1 116 'pool="e2e"'; define_domain e2e-a2 117 'pool="e2e"'
start_dom e2e-a1; start_dom e2e-a2
assert "A's pool is exhausted" wait_until 30 sh -c "[ \$(ls '$LEASE_DIR' | wc -l) = 2 ]"
t=$(now)
# vfpoolctl runs where the domain runs: on B, with B's lease store.
OUT=$(on_b timeout 600 vfpoolctl migrate $D2 "$A_URI_FROM_B" --migrateuri tcp://127.0.0.1 --timeout 120 2>&1); RC=$?
log "MEASURED: vfpoolctl migrate $D2 back to an exhausted A: rc=$RC in $(dt "$t") s: $(echo "$OUT" | tr '\n' ' ')"
assert "refused with vfpool's reason, the VF back in on B" \
  sh -c "[ $RC = 1 ] && echo \"\$1\" | grep -q 'no free VF' && echo \"\$1\" | grep -q 'nic 0 is back on VF'" _ "$OUT"
assert "$D2 still runs on B with a lease there" sh -c "[ \"\$(virsh -c '$B_URI' -q domstate $D2)\" = running ] && grep -lq '$(dom_uuid 115)' '$B_LEASE_DIR'/*"
assert "A holds nothing for $D2" sh -c "! grep -l '$(dom_uuid 115)' '$LEASE_DIR'/* 2>/dev/null"

# ---- 7. the end: nothing left on either host ------------------------------------------
vb -q destroy $D2 >/dev/null
virsh -q destroy e2e-a1 >/dev/null; virsh -q destroy e2e-a2 >/dev/null
assert "no leases on A" wait_until 30 no_leases
assert "no leases on B" wait_until 30 sh -c "[ \$(ls '$B_LEASE_DIR' | wc -l) = 0 ]"
assert_vfs_restored "every VF as before" 60
host_b_down
log "10 done in $((SECONDS - S0)) s"
exit 0
