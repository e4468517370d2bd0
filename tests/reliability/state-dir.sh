#!/bin/bash
# state-dir.sh: the lease store refuses an unsafe state dir (world-writable,
# someone else's, a symlink) with the path and the fix, creates what it
# needs 0700/0600; a host reboot clears old leases (reconcile, or the next
# prepare that finds them in its way) while sticky history survives; a VF
# that cannot be restored is quarantined and status shows why.  Every path
# that reads state (release, started, reconnect, reconcile, status,
# quarantine, metrics) refuses an unsafe state dir, and a lease file that is
# not ours is never applied; an unreadable lease blocks nothing else and its
# VF is quarantined, never shown free; the history dir is checked the same.
. "$VFP_TOP_SRCDIR/tests/reliability/rel-lib.sh"

make_host scale:1:2
POOL_FILE=pool.conf pool "[pool p]" "pfs=ens1f0"
domain_xml d1 1 'pool="p" vlan="100"' > "$T/d1.xml"
domain_xml d2 2 'pool="p" vlan="200"' > "$T/d2.xml"
domain_xml d3 3 'pool="p" vlan="300"' > "$T/d3.xml"
seed_vf ens1f0 0 02:00:00:00:00:a0 7
seed_vf ens1f0 1 02:00:00:00:00:a1 8
cp -r "$T/nl.log.d" "$T/orig.d"

# --- permissions --------------------------------------------------------
rm -rf "$T/run"
export VFPOOL_STATE_DIR="$T/run"
check "prepare creates a missing state dir" lv_start "" d1 1 "$T/d1.xml"
mode() { stat -c %a "$1"; }
check "state dir is 0700 ($(mode "$T/run"))" test "$(mode "$T/run")" = 700
check "leases/ is 0700 ($(mode "$T/run/leases"))" test "$(mode "$T/run/leases")" = 700
check "a lease file is 0600" test "$(mode "$T"/run/leases/*)" = 600
check "owners/ is 0700" test "$(mode "$T/run/owners")" = 700
lv_stop "" d1 "$T/d1.xml"
check "locks/ is 0700, a lock 0600" test "$(mode "$T/run/locks")$(mode "$T"/run/locks/*)" = 700600

chmod 0777 "$T/run"
err=$(fhook "" d1 prepare begin "$T/d1.xml" 2>&1; hook d1 prepare begin "$T/d1.xml" 2>&1 >/dev/null); rc=$?
check "world-writable state dir: prepare refused" test "$rc" = 1
check "... naming the path and the fix: $err" \
  bash -c "[[ \"\$1\" == *\"$T/run is world-writable\"*\"chmod 0700 $T/run\"* ]]" _ "$err"
check "... and nothing leased" test "$(lease_count)" = 0
err=$("$CTL" reconcile 2>&1); rc=$?
check "world-writable state dir: reconcile refused too" test "$rc" != 0
chmod 0700 "$T/run"
chmod 0777 "$T/run/leases"
err=$(hook d1 prepare begin "$T/d1.xml" 2>&1 >/dev/null)
check "world-writable leases/: refused ($err)" bash -c "[[ \"\$1\" == *'leases is world-writable'* ]]" _ "$err"
chmod 0700 "$T/run/leases"

if [ "$(id -u)" = 0 ]; then
  chown 65534 "$T/run"
  err=$(hook d1 prepare begin "$T/d1.xml" 2>&1 >/dev/null); rc=$?
  check "state dir of another user: refused ($err)" \
    bash -c "[[ \"\$1\" == *\"$T/run is owned by uid 65534\"*chown* ]] && [ $rc = 1 ]" _ "$err"
  chown 0 "$T/run"
else
  echo "# skipped: chown to another user needs root"
fi
mkdir -p "$T/elsewhere"; rm -rf "$T/run"; ln -s "$T/elsewhere" "$T/run"
err=$(hook d1 prepare begin "$T/d1.xml" 2>&1 >/dev/null); rc=$?
check "state dir that is a symlink: refused ($err)" test "$rc" = 1
rm -f "$T/run"; mkdir -m 0700 "$T/run"

# --- host reboot -------------------------------------------------------
lv_start "" d1 1 "$T/d1.xml"; lv_start "" d2 2 "$T/d2.xml"; workers_done
vf1=$(lease_of d1)
qemu_down d1; qemu_down d2      # the host goes down with its VMs
echo "99999999-2222-3333-4444-555555555555" > "$T/boot_id"
"$CTL" reconcile > "$T/rec.txt"
check "reboot: reconcile frees leases of the earlier boot" test "$(lease_count)" = 0
check "reboot: reconcile says why" grep -q "held it before the last reboot" "$T/rec.txt"
out=$(invariants ens1f0 2); check "reboot: VFs back to their original state $out" test -z "$out"
check "reboot: sticky history survived" test -n "$(ls "$T/lib")"
lv_start "" d1 1 "$T/d1.xml"
check "reboot: d1 gets its VF of before the reboot again (sticky)" test "$(lease_of d1)" = "$vf1"
lv_stop "" d1 "$T/d1.xml"

# The next prepare that finds old leases in its way takes them over.
echo "11111111-2222-3333-4444-555555555555" > "$T/boot_id"
lv_start "" d1 1 "$T/d1.xml"; lv_start "" d2 2 "$T/d2.xml"; workers_done
qemu_down d1; qemu_down d2
echo "aaaaaaaa-2222-3333-4444-555555555555" > "$T/boot_id"
check "reboot: a full-looking pool still starts d3" lv_start "" d3 3 "$T/d3.xml"
check "... the pool's old leases are freed, d3 holds one VF" \
  test "$(lease_count)" = 1 -a -n "$(lease_of d3)"
"$CTL" reconcile > /dev/null
out=$(invariants ens1f0 2 d3:1); check "... and after reconcile only d3's lease, VFs right $out" test -z "$out"
lv_stop "" d3 "$T/d3.xml"

# --- quarantine ----------------------------------------------------------
lv_start "" d1 1 "$T/d1.xml"
vf1=$(lease_of d1)
echo "ens1f0 vlan EIO" > "$T/nl.log.rules"      # the NIC stops cooperating
lv_stop "" d1 "$T/d1.xml"
rm -f "$T/nl.log.rules"
check "unrestorable VF: lease gone, VF quarantined" test "$(lease_count)" = 0 -a -f "$T/run/quarantine/$vf1"
"$CTL" status > "$T/status.txt"
check "status shows the VF quarantined with the reason" \
  grep -q "$vf1 .*quarantined .*restoring setting vlan.*Input/output error" "$T/status.txt"
"$CTL" status --json > "$T/status.json"
check "status --json has the reason" python3 -c "
import json,sys; d=json.load(open('$T/status.json'))
v=[x for x in d['vfs'] if x['pci']=='$vf1'][0]
sys.exit(0 if v['state']=='quarantined' and 'vlan' in v['reason'] else 1)"
lv_start "" d1 1 "$T/d1.xml"
check "a quarantined VF is not handed out" test "$(lease_of d1)" != "$vf1"
lv_stop "" d1 "$T/d1.xml"
check "quarantine clear VF" "$CTL" quarantine clear "$vf1"
check "status shows it free again" bash -c "'$CTL' status | grep '$vf1' | grep -q free"

# --- every reader checks the state dir ------------------------------------
# The attack: with the state dir (or a subdir) open to others, someone plants
# an [original] for a leased VF; release end wrote it to the NIC.  Now each
# path refuses, one line naming the path, and the NIC is left alone.
ctl_line() { "$CTL" "$@" 2>&1 >/dev/null; }
vlans() { echo "$(vf_state ens1f0 0 vlan) $(vf_state ens1f0 1 vlan)"; }
lv_start "" d1 1 "$T/d1.xml"
vf1=$(lease_of d1)
lease1="$T/run/leases/$vf1"
cp "$lease1" "$T/lease1.saved"
for how in 0777 0770; do
  for sub in "" leases owners "owners/$(uuid_of 1)" locks; do
    p="$T/run${sub:+/$sub}"
    what="$([ "$how" = 0777 ] && echo world || echo group)-writable ${sub:-state dir}"
    chmod "$how" "$p"
    sed -i 's/^vlan=[78]$/vlan=666/' "$lease1"          # the planted [original]
    cp "$T/nl.log" "$T/nl.before"; before=$(vlans)
    err=$(hook d1 release end "$T/d1.xml" 2>&1); rc=$?
    check "$what: release end exits 0, one line naming the path ($err)" \
      bash -c "[ $rc = 0 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && [[ \"\$1\" == *\"$p is \"*writable*'chmod 0700'* ]]" _ "$err"
    check "$what: release end applied nothing (netlink record unchanged, lease kept)" \
      bash -c "cmp -s '$T/nl.log' '$T/nl.before' && [ -f '$lease1' ] && [ '$(vlans)' = '$before' ]"
    hook d1 reconnect begin "$T/d1.xml" 2>/dev/null; rc=$?
    hook d1 started begin "$T/d1.xml" 2>/dev/null; rc=$rc$?
    check "$what: reconnect and started exit 0" test "$rc" = 00
    for cmd in status reconcile "quarantine list" "quarantine clear $vf1" metrics "release --force d1"; do
      err=$(ctl_line $cmd); rc=$?
      check "$what: vfpoolctl $cmd refused ($err)" \
        bash -c "[ $rc != 0 ] && [[ \"\$1\" == *\"$p is \"*writable*'chmod 0700'* ]]" _ "$err"
    done
    check "$what: nothing applied by any of them" cmp -s "$T/nl.log" "$T/nl.before"
    cp "$T/lease1.saved" "$lease1"
    chmod 0700 "$p"
  done
done
if [ "$(id -u)" = 0 ]; then
  chown 65534 "$T/run"
  err=$(ctl_line status)
  check "state dir of another user: status refused, says chown, never remove ($err)" \
    bash -c "[[ \"\$1\" == *'owned by uid 65534'*chown* ]] && [[ \"\$1\" != *remov* ]]" _ "$err"
  "$CTL" doctor --json --no-libvirt > "$T/doctor.json"
  check "state dir of another user: doctor FAILs state-dir" python3 -c "
import json,sys; d=json.load(open('$T/doctor.json'))
c=[x for x in d['checks'] if x['id']=='state-dir'][0]
sys.exit(0 if c['status']=='fail' and 'chown' in c['fix'] else 1)"
  chown 0 "$T/run"

  # A lease file of nobody's in place of d1's (as if the dir had been open
  # once), with [original] vlan=666: never applied; its VF is set aside.
  sed -i 's/^vlan=[78]$/vlan=666/' "$lease1"; chown 65534 "$lease1"
  check "lease file owned by nobody: status shows the VF corrupt" \
    bash -c "'$CTL' status | grep '$vf1' | grep -q corrupt"
  lv_stop "" d1 "$T/d1.xml"
  check "lease file owned by nobody: release end applied nothing of it ($(vlans))" \
    bash -c "! grep -q 666 '$T/nl.log' && [[ '$(vlans)' != *666* ]]"
  check "... and quarantined its VF, naming the owner" \
    grep -q "lease file unreadable.*owned by uid 65534" "$T/run/quarantine/$vf1"
  rm -f "$lease1" "$T/run/owners/$(uuid_of 1)/$vf1"
  rmdir "$T/run/owners/$(uuid_of 1)"
  "$CTL" quarantine clear "$vf1" > /dev/null
  # the VF as the test seeded it (d1's vlan 100 stayed on it)
  seed_vf ens1f0 0 02:00:00:00:00:a0 7; seed_vf ens1f0 1 02:00:00:00:00:a1 8
else
  echo "# skipped: chown to another user needs root"
  lv_stop "" d1 "$T/d1.xml"
fi
"$CTL" doctor --json --no-libvirt > "$T/doctor.json"
check "doctor passes a private state and history dir" python3 -c "
import json,sys; d=json.load(open('$T/doctor.json'))
sys.exit(0 if [x['status'] for x in d['checks'] if x['id'] in ('state-dir','history-dir')]==['pass','pass'] else 1)"

# --- an unreadable lease blocks nothing -----------------------------------
domain_xml d4 4 'pool="p" vlan="40"' 'pool="p" vlan="41"' > "$T/d4.xml"
lv_start "" d4 4 "$T/d4.xml"
check "d4 holds both VFs" test "$(lease_count)" = 2
bad=$(ls "$T/run/leases" | tail -1); good=$(ls "$T/run/leases" | head -1)
gidx=$(sed -n 's/^vf-index=//p' "$T/run/leases/$good")
echo "not a lease" > "$T/run/leases/$bad"
"$CTL" status > "$T/status.txt"
check "status shows the VF with the unreadable lease as corrupt, not free" \
  grep -q "$bad .*corrupt" "$T/status.txt"
"$CTL" status --json > "$T/status.json"
check "status --json: corrupt" python3 -c "
import json,sys; d=json.load(open('$T/status.json'))
sys.exit(0 if [x['state'] for x in d['vfs'] if x['pci']=='$bad']==['corrupt'] else 1)"
check "metrics count it" bash -c "'$CTL' metrics | grep -q '^vfpool_pool_corrupt{pool=\"p\"} 1'"
qemu_down d4; hook d4 stopped end "$T/d4.xml"
err=$(hook d4 release end "$T/d4.xml" 2>&1); rc=$?
check "release end: exit 0" test "$rc" = 0
check "release end freed the good VF" test ! -e "$T/run/leases/$good"
check "... and restored it" test "$(vf_state ens1f0 "$gidx" vlan)" = "$((7 + gidx))"
check "release end quarantined the bad one, saying why" \
  grep -q "lease file unreadable" "$T/run/quarantine/$bad"
"$CTL" status > "$T/status.txt"
check "status: quarantined, never free" \
  bash -c "grep '$bad' '$T/status.txt' | grep -q quarantined && ! grep '$bad' '$T/status.txt' | grep -q ' free '"
lv_start "" d1 1 "$T/d1.xml"
check "the quarantined VF is not handed out" test "$(lease_of d1)" = "$good"
lv_stop "" d1 "$T/d1.xml"
rm -f "$T/run/leases/$bad" "$T/run/owners/$(uuid_of 4)/$bad"
"$CTL" quarantine clear "$bad" > /dev/null

# reconcile quarantines an unreadable lease too
lv_start "" d1 1 "$T/d1.xml"; workers_done; vf1=$(lease_of d1); qemu_down d1
echo "junk" > "$T/run/leases/$vf1"
"$CTL" reconcile > "$T/rec.txt"
check "reconcile reports the unreadable lease and quarantines it" \
  bash -c "grep -q 'VF $vf1 quarantined: lease file unreadable' '$T/rec.txt' && [ -f '$T/run/quarantine/$vf1' ]"
rm -f "$T/run/leases/$vf1" "$T/run/owners/$(uuid_of 1)/$vf1"
"$CTL" quarantine clear "$vf1" > /dev/null

# --- history dir ------------------------------------------------------------
rm -rf "$T/lib"
lv_start "" d1 1 "$T/d1.xml"; first=$(lease_of d1); lv_stop "" d1 "$T/d1.xml"
other=$([ "$first" = "$good" ] && echo "$bad" || echo "$good")
rm -rf "$T/lib"; mkdir -m 0700 -p "$T/lib/sticky"
printf '[sticky]\nnic0=%s\n' "$other" > "$T/planted"
ln -s "$T/planted" "$T/lib/sticky/$(uuid_of 1)"
lv_start "" d1 1 "$T/d1.xml"
check "a symlink planted in the history dir is not followed ($(lease_of d1), not $other)" \
  test "$(lease_of d1)" = "$first"
check "... nor written through" grep -q "nic0=$other" "$T/planted"
lv_stop "" d1 "$T/d1.xml"
rm -f "$T/lib/sticky/$(uuid_of 1)"; cp "$T/planted" "$T/lib/sticky/$(uuid_of 1)"
chmod 0770 "$T/lib"
lv_start "" d1 1 "$T/d1.xml"
check "group-writable history dir: ignored for reading" test "$(lease_of d1)" = "$first"
check "... and not written" grep -q "nic0=$other" "$T/lib/sticky/$(uuid_of 1)"
lv_stop "" d1 "$T/d1.xml"
"$CTL" doctor --json --no-libvirt > "$T/doctor.json"
check "group-writable history dir: doctor FAILs history-dir" python3 -c "
import json,sys; d=json.load(open('$T/doctor.json'))
sys.exit(0 if [x['status'] for x in d['checks'] if x['id']=='history-dir']==['fail'] else 1)"
chmod 0700 "$T/lib"

finish
