#!/bin/bash
# state-dir.sh: the lease store refuses an unsafe state dir (world-writable,
# someone else's, a symlink) with the path and the fix, creates what it
# needs 0700/0600; a host reboot clears old leases (reconcile, or the next
# prepare that finds them in its way) while sticky history survives; a VF
# that cannot be restored is quarantined and status shows why.
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
lv_start "" d1 1 "$T/d1.xml"; lv_start "" d2 2 "$T/d2.xml"
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
lv_start "" d1 1 "$T/d1.xml"; lv_start "" d2 2 "$T/d2.xml"
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

finish
