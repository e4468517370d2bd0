#!/bin/bash
# attach.sh: `vfpoolctl attach` / `detach` on a running domain, against the
# record seam (VFPOOL_LIBVIRT_URI=record:FILE, tools/vfpoolctl-record.h):
# the live XML of a running domain NAME is $T/libvirt/NAME.xml, its
# persistent XML $T/attach.log.config/NAME.xml; calls land in attach.log;
# attach.log.fail-attach makes the attach fail; attach.log.ack-unplug is
# the guest acknowledging unplugs.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-1"
POOL_FILE=tiny.conf pool "[pool tiny]" "pfs=ens1f0#2"
LOG="$T/attach.log"
mkdir -p "$LOG.config"

# running NAME N: domain NAME (uuid N) runs, no request, 2 free root ports.
running() {
  domain_xml "$1" "$2" | sed "s/<domain type='qemu'>/<domain type='qemu' id='$2'>/" \
    > "$T/libvirt/$1.xml"
  domain_xml "$1" "$2" > "$LOG.config/$1.xml"
}
lease_nic() { sed -n 's/^nic=//p' "$T/run/leases/$1"; }
lease_start() { sed -n 's/^start-id=//p' "$T/run/leases/$1"; }
live_nics() { grep -o '<vfpool:nic ' "$T/libvirt/$1.xml" | wc -l; }
VF0=0000:01:10.0 VF1=0000:01:10.2

running web1 1
fake_qemu web1 "$(uuid_of 1)"; KEEP_PIDS=$FAKE_QEMU_PID
echo "$FAKE_QEMU_PID" > "$T/libvirt/web1.pid"

# ---- attach ok ---------------------------------------------------------------
"$CTL" attach web1 --pool tenant --vlan 100 --spoofchk off --config > "$T/out" 2> "$T/err"; rc=$?
check "attach: exit 0 ($(cat "$T/err"))" test "$rc" = 0
check "attach: says which VF" grep -q "nic 0 attached: VF $VF0 from pool 'tenant'" "$T/out"
check "attach: the lease is web1's, nic 0" \
  bash -c "[ '$(lease_of web1)' = $VF0 ] && grep -qx 'owner-uuid=$(uuid_of 1)' '$T/run/leases/$VF0' && [ '$(lease_nic $VF0)' = 0 ]"
check "attach: lease configured, QEMU pid recorded" \
  bash -c "grep -qx state=configured '$T/run/leases/$VF0' && grep -qx 'qemu-pid=$KEEP_PIDS' '$T/run/leases/$VF0'"
check "attach: VLAN on the VF (fake netlink)" test "$(vf_state ens1f0 0 vlan)" = 100
check "attach: spoofchk off on the VF" test "$(vf_state ens1f0 0 spoofchk)" = off
check "attach: device attached live with alias ua-vfpool-0" \
  grep -q "^attach-live web1 <hostdev.*ua-vfpool-0" "$LOG"
check "attach: nic appended to the live request" \
  grep -q '^metadata live web1 <request><nic pool="tenant" vlan="100" spoofchk="off"/></request>' "$LOG"
check "attach --config: appended to the persistent request" \
  grep -q '<vfpool:nic pool="tenant" vlan="100" spoofchk="off"/>' "$LOG.config/web1.xml"
check "attach: the live XML has device and request" \
  bash -c "grep -q ua-vfpool-0 '$T/libvirt/web1.xml' && [ $(live_nics web1) = 1 ]"
"$CTL" status > "$T/status" 2>&1
check "status lists the attached nic as web1's lease" grep -q "$VF0.*web1" "$T/status"
"$CTL" metrics > "$T/metrics" 2>&1
check "metrics count it leased" grep -q 'pool="tenant".*} 1' "$T/metrics"

# ---- refusals -----------------------------------------------------------------
domain_xml web2 2 > "$LOG.config/web2.xml"        # defined, shut off
"$CTL" attach web2 --pool tenant > /dev/null 2> "$T/err"; rc=$?
check "attach to a shut-off domain: exit 1, one line naming domain and pool" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q \"web2.*tenant.*not running\" '$T/err'"
check "  and nothing leased" test -z "$(lease_of web2)"

running web3 3
sed -i "s|<controller type='pci' index='[12]' model='pcie-root-port'/>||" "$T/libvirt/web3.xml"
before=$(md5sum < "$T/nl.log")
"$CTL" attach web3 --pool tenant > /dev/null 2> "$T/err"; rc=$?
check "attach without a free hot-plug slot: refused ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q 'no free pcie-root-port' '$T/err' && grep -q tenant '$T/err'"
check "  nothing leased, no VF touched" \
  bash -c "[ -z '$(lease_of web3)' ] && [ '$before' = '$(md5sum < "$T/nl.log")' ]"

running web4 4
check "attach from pool tiny to web4" bash -c "'$CTL' attach web4 --pool tiny > /dev/null"
"$CTL" attach web1 --pool tiny > /dev/null 2> "$T/err"; rc=$?
check "attach on an exhausted pool: refused ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q \"pool 'tiny' has no free VF\" '$T/err' && [ \$(wc -l < '$T/err') = 1 ]"
check "  web1 keeps one lease and one nic in its live request" \
  bash -c "[ '$(lease_of web1)' = $VF0 ] && [ $(live_nics web1) = 1 ]"
"$CTL" attach web1 --pool nosuch > /dev/null 2> "$T/err"; rc=$?
check "attach from an unknown pool: refused ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q nosuch '$T/err' && [ $(live_nics web1) = 1 ]"
"$CTL" attach nobody --pool tenant > /dev/null 2> "$T/err"; rc=$?
check "attach to an unknown domain: refused" bash -c "[ $rc = 1 ] && grep -q nobody '$T/err'"

# ---- libvirt refuses the attach: full rollback -------------------------------
seed_vf ens1f0 1 02:00:00:00:00:11 5
echo "internal error: unable to execute QEMU command 'device_add'" > "$LOG.fail-attach"
lines=$(wc -l < "$LOG")
"$CTL" attach web1 --pool tenant --vlan 200 > /dev/null 2> "$T/err"; rc=$?
rm -f "$LOG.fail-attach"
check "attach failing at libvirt: exit 1 with libvirt's reason ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q \"device_add\" '$T/err' && grep -q 'VF restored and released' '$T/err'"
check "  lease freed" test ! -e "$T/run/leases/$VF1"
check "  VF back to its original VLAN and MAC" \
  bash -c "[ '$(vf_state ens1f0 1 vlan)' = 5 ] && [ '$(vf_state ens1f0 1 mac)' = 02:00:00:00:00:11 ]"
check "  metadata untouched" \
  bash -c "[ \$(tail -n +$((lines + 1)) '$LOG' | grep -c metadata) = 0 ] && [ $(live_nics web1) = 1 ]"

# libvirt reports a failure but the device reached the guest: the VF must
# not be reset under it; the lease stays for release end.
running web5 5
echo "Timed out during operation: cannot acquire state change lock" > "$LOG.fail-attach-plugged"
"$CTL" attach web5 --pool tenant --vlan 55 > /dev/null 2> "$T/err"; rc=$?
rm -f "$LOG.fail-attach-plugged"
check "attach failing after the plug: exit 1, says the lease stays ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q 'is in the guest' '$T/err'"
check "  VF still configured and leased to web5" \
  bash -c "[ '$(lease_of web5)' = $VF1 ] && [ '$(vf_state ens1f0 1 vlan)' = 55 ]"
hook web5 release end "$T/libvirt/web5.xml"
check "  release end returns it" \
  bash -c "[ -z '$(lease_of web5)' ] && [ '$(vf_state ens1f0 1 vlan)' = 5 ]"

# ---- detach ok ----------------------------------------------------------------
touch "$LOG.ack-unplug"
"$CTL" detach web1 --config > "$T/out" 2> "$T/err"; rc=$?
check "detach: exit 0 ($(cat "$T/err"))" test "$rc" = 0
check "  alias asked away" grep -q "^detach-alias web1 ua-vfpool-0" "$LOG"
check "  says the VF went back" grep -q "VF $VF0 restored and released" "$T/out"
check "  lease freed" test -z "$(lease_of web1)"
check "  VF restored" \
  bash -c "[ '$(vf_state ens1f0 0 vlan)' = 0 ] && [ '$(vf_state ens1f0 0 spoofchk)' = on ]"
check "  device and nic gone from the live XML" \
  bash -c "! grep -q ua-vfpool-0 '$T/libvirt/web1.xml' && [ $(live_nics web1) = 0 ]"
check "  --config: gone from the persistent request" \
  bash -c "! grep -q 'vfpool:nic' '$LOG.config/web1.xml'"

# ---- detach: the guest does not acknowledge ----------------------------------
rm -f "$LOG.ack-unplug"
"$CTL" attach web1 --pool tenant --vlan 100 > /dev/null
"$CTL" detach web1 --timeout 1 > /dev/null 2> "$T/err"; rc=$?
check "detach timeout: exit 1, one line ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q 'did not release' '$T/err'"
check "  lease kept, VF untouched" \
  bash -c "[ '$(lease_of web1)' = $VF0 ] && [ '$(vf_state ens1f0 0 vlan)' = 100 ]"
check "  live request keeps the nic, live XML the device" \
  bash -c "[ $(live_nics web1) = 1 ] && grep -q ua-vfpool-0 '$T/libvirt/web1.xml'"
# The guest lets go later: detach again finishes the job without asking again.
touch "$LOG.ack-unplug"
asked=$(grep -c '^detach-alias' "$LOG")
"$CTL" detach web1 > "$T/out" 2> "$T/err"; rc=$?
check "detach after the guest let go late: exit 0 ($(cat "$T/err"))" \
  bash -c "[ $rc = 0 ] && grep -q 'restored and released' '$T/out'"
check "  no second detach asked" test "$(grep -c '^detach-alias' "$LOG")" = "$asked"
check "  lease freed, VF restored, live request empty" \
  bash -c "[ -z '$(lease_of web1)' ] && [ '$(vf_state ens1f0 0 vlan)' = 0 ] && [ $(live_nics web1) = 0 ]"

# ---- detach of a lease another start took over ------------------------------
"$CTL" attach web1 --pool tenant > /dev/null
rm -f "$LOG.ack-unplug"
asked=$(grep -c '^detach-alias' "$LOG")
"$CTL" detach web1 --timeout 20 > "$T/out" 2> "$T/err" &
det=$!
for _ in $(seq 100); do [ "$(grep -c '^detach-alias' "$LOG")" -gt "$asked" ] && break; sleep 0.1; done
sed -i 's/^start-id=.*/start-id=ffffffffffffffffffffffffffffffff/' "$T/run/leases/$VF0"
touch "$LOG.ack-unplug"
wait "$det"; rc=$?
check "detach after a take-over: exit 0, says it left the VF alone ($(cat "$T/out" "$T/err"))" \
  bash -c "[ $rc = 0 ] && grep -q 'left alone' '$T/out'"
check "  that lease stays" test "$(lease_start $VF0)" = ffffffffffffffffffffffffffffffff
"$CTL" attach web1 --pool tenant > /dev/null 2> "$T/err"; rc=$?
check "attach refuses a nic index the domain still holds a lease for ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q 'still holds VF $VF0' '$T/err' && [ '$(lease_of web1)' = $VF0 ]"
hook web1 release end "$T/libvirt/web1.xml"
check "release end frees it" test -z "$(lease_of web1)"
check "  and restores the VF" test "$(vf_state ens1f0 0 vlan)" = 0

# ---- several nics --------------------------------------------------------------
"$CTL" attach web1 --pool tenant > /dev/null && "$CTL" attach web1 --pool tenant --vlan 300 > /dev/null
check "two nics attached" test "$(lease_of web1 | wc -l)" = 2
"$CTL" attach web1 --pool tenant > /dev/null 2> "$T/err"; rc=$?
check "a third: no free hot-plug slot left ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q 'no free pcie-root-port' '$T/err'"
"$CTL" detach web1 > /dev/null 2> "$T/err"; rc=$?
check "detach without --nic refuses, listing them ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q 'nic 0 (VF .*), nic 1 (VF' '$T/err'"
"$CTL" detach web1 --nic 0 > /dev/null 2> "$T/err"; rc=$?
check "detach of a nic before the last is refused (no renumbering)" \
  bash -c "[ $rc = 1 ] && grep -q 'not the last nic' '$T/err'"
"$CTL" detach web1 --nic 7 > /dev/null 2> "$T/err"; rc=$?
check "detach of a nic that is not there: refused" \
  bash -c "[ $rc = 1 ] && grep -q 'has no vfpool nic 7' '$T/err'"
check "  nothing detached meanwhile" test "$(grep -c '^detach-alias web1 ua-vfpool-1' "$LOG")" = 0
hook web1 release end "$T/libvirt/web1.xml"
check "release end after attach frees both" test -z "$(lease_of web1)"
check "  and restores them" \
  bash -c "[ '$(vf_state ens1f0 0 vlan)' = 0 ] && [ '$(vf_state ens1f0 1 vlan)' = 5 ]"

rm -f "$T/libvirt/web1.xml"
"$CTL" detach web1 > /dev/null 2> "$T/err"; rc=$?
check "detach on a shut-off domain: refused" bash -c "[ $rc = 1 ] && grep -q 'not running' '$T/err'"

# ---- request's nic options, --json -------------------------------------------
# attach takes the nic options of request (tools/vfpoolctl-nic-options.h):
# the same list in both --help texts, written in command-line order.
# nic_opts COMMAND OWN: the options of COMMAND --help but --help, --json and OWN
nic_opts() { "$CTL" "$1" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | grep -vxE -e "--help|--json|$2"; }
attach_opts=$(nic_opts attach --config) request_opts=$(nic_opts request '--force|--dry-run|--print')
check "attach --help lists exactly request's nic options ($(echo $attach_opts))" \
  bash -c "[ '$(wc -l <<< "$attach_opts")' -ge 12 ] && [ \"\$1\" = \"\$2\" ]" _ "$attach_opts" "$request_opts"
TINY_VF=$(lease_of web4)
touch "$LOG.ack-unplug"
# (a failover nic needs two free root ports, web4 has one: failover
# attaches are checked with web6 below)
"$CTL" attach web4 --pool tenant --vlan 7 --bond b0 --json > "$T/att.json" 2> "$T/err"; rc=$?
check "attach --bond --json: exit 0 ($(cat "$T/err"))" test "$rc" = 0
check "  --bond reaches the live request as request writes it" \
  grep -q '^metadata live web4 <request><nic pool="tiny"/><nic pool="tenant" vlan="7" bond="b0"/></request>' "$LOG"
json_check() {
  check "$1" python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
assert d.get('version') == 1, d
$3" "$2"
}
json_check "  the document: domain, nic, VF, pool, action" "$T/att.json" "
assert d == {'version': 1, 'domain': 'web4', 'nic': 1, 'vf': '$VF0', 'pool': 'tenant',
             'action': 'attached', 'config': False}, d"
"$CTL" detach web4 --nic 1 --json > "$T/det.json" 2> "$T/err"; rc=$?
json_check "detach --json: detached, VF released (rc=$rc $(cat "$T/err"))" "$T/det.json" "
assert $rc == 0 and d['action'] == 'detached' and d['released'] is True and d['error'] is None, d
assert (d['domain'], d['nic'], d['vf'], d['pool']) == ('web4', 1, '$VF0', 'tenant'), d"
rm -f "$LOG.ack-unplug"
"$CTL" attach web4 --pool tenant > /dev/null
"$CTL" --json detach web4 --nic 1 --timeout 0 > "$T/det.json" 2> "$T/err"; rc=$?
json_check "detach --json (global) when the guest keeps the device: timeout, exit 1 (rc=$rc)" "$T/det.json" "
assert $rc == 1 and d['action'] == 'timeout' and d['released'] is False, d
assert 'did not release' in d['error'] and d['vf'] == '$VF0', d"
check "  and the one line on stderr" \
  bash -c "[ \$(wc -l < '$T/err') = 1 ] && grep -q '^vfpoolctl: detach: domain .web4.: nic 1: the guest did not release' '$T/err'"
touch "$LOG.ack-unplug"
"$CTL" detach web4 --nic 1 > /dev/null; rc=$?
check "  a later detach finishes: web4 keeps only its first VF (rc=$rc)" \
  bash -c "[ $rc = 0 ] && [ '$(lease_of web4)' = '$TINY_VF' ]"
"$CTL" attach web2 --pool tenant --json > "$T/att.json" 2> "$T/err"; rc=$?
json_check "attach --json to a shut-off domain: an error document, exit 1 (rc=$rc)" "$T/att.json" "
assert $rc == 1 and list(d) == ['version', 'error'] and 'not running' in d['error'], d"
check "  and the one line on stderr" \
  bash -c "[ \$(wc -l < '$T/err') = 1 ] && grep -q \"^vfpoolctl: attach: domain 'web2' (pool 'tenant'): \" '$T/err'"

# ---- a failover nic: standby first, then the VF teamed to it -----------------------
POOL_FILE=fo.conf pool "[pool fo]" "pfs=ens1f0#3" "failover=yes" "failover-network=fonet"
running web6 6
: > "$LOG"
"$CTL" attach web6 --pool fo --failover --mac 52:54:00:00:06:01 > "$T/out" 2> "$T/err"; rc=$?
check "attach of a failover nic: exit 0 ($(cat "$T/err"))" test "$rc" = 0
check "  --failover is in the live request as request writes it" \
  grep -q '^metadata live web6 <request><nic pool="fo" failover="yes" mac="52:54:00:00:06:01"/></request>' "$LOG"
check "  the virtio standby on network fonet is plugged first, with the nic's MAC" \
  bash -c "head -1 '$LOG' | grep -q \"^attach-live web6 <interface type=.network.*52:54:00:00:06:01.*fonet.*teaming type=.persistent.*ua-vfpool-sb0\""
check "  then the VF as a hostdev interface teamed to it" \
  bash -c "sed -n 2p '$LOG' | grep -q \"^attach-live web6 <interface type=.hostdev.*teaming type=.transient. persistent=.ua-vfpool-sb0.*ua-vfpool-0\""
FO_VF=$(lease_of web6)
touch "$LOG.ack-unplug"
: > "$LOG"
"$CTL" detach web6 > "$T/out" 2> "$T/err"; rc=$?
check "detach of the failover nic: exit 0, VF released ($(cat "$T/out" "$T/err"))" \
  bash -c "[ $rc = 0 ] && [ -n '$FO_VF' ] && [ ! -e '$T/run/leases/$FO_VF' ]"
check "  the standby vfpool plugged is asked to leave after the VF" \
  bash -c "grep -n 'ua-vfpool' '$LOG' | tail -1 | grep -q 'ua-vfpool-sb0'"
rm -f "$LOG.ack-unplug"
running web7 7
# web7 with one of its two root ports gone
sed -i "0,/model='pcie-root-port'/{/model='pcie-root-port'/d}" "$T/libvirt/web7.xml"
"$CTL" attach web7 --pool fo --mac 52:54:00:00:07:01 > /dev/null 2> "$T/err"; rc=$?
check "attach of a failover nic with one free root port: refused, it needs two (rc=$rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'needs 2 free pcie-root-ports' '$T/err' && [ -z '$(lease_of web7)' ]"

# ---- managedsave: the VFs leave first, the restore leases again ---------------------
POOL_FILE=save.conf pool "[pool save]" "pfs=ens1f0#4-5"
running web9 9
"$CTL" attach web9 --pool save --vlan 31 > /dev/null && "$CTL" attach web9 --pool save --vlan 32 > /dev/null
saved_vfs=$(lease_of web9 | sort | tr '\n' ' ')
check "web9 holds two VFs before the save ($saved_vfs)" test "$(lease_of web9 | wc -l)" = 2
check "  configured with VLAN 31 and 32 (so the restore check below can fail)" \
  bash -c "[ \"\$(cat '$T'/nl.log.d/ens1f0-vf[45] | grep -c '^vlan=3[12]$')\" = 2 ]"
touch "$LOG.ack-unplug"
: > "$LOG"
"$CTL" managedsave web9 > "$T/out" 2> "$T/err"; rc=$?
check "managedsave: exit 0, says 2 VFs given back ($(cat "$T/out" "$T/err"))" \
  bash -c "[ $rc = 0 ] && grep -q \"domain 'web9': 2 VFs given back, saved\" '$T/out'"
check "  both devices were asked out before the save" \
  bash -c "[ \"\$(grep -c '^detach-alias web9 ua-vfpool-' '$LOG')\" = 2 ] && tail -1 '$LOG' | grep -q '^managedsave web9'"
check "  no lease left, both VFs restored (VLAN 0)" \
  bash -c "[ -z '$(lease_of web9)' ] && [ \"\$(grep -l 'vlan=3[12]' '$T'/nl.log.d/ens1f0-vf[45] 2>/dev/null)\" = '' ]"
check "  the domain is shut off; the image's XML keeps the request, without the devices" \
  bash -c "[ ! -e '$T/libvirt/web9.xml' ] && [ \"\$(grep -o 'pool=.save.' '$LOG.saved/web9.xml' | wc -l)\" = 2 ] && ! grep -q 'ua-vfpool-' '$LOG.saved/web9.xml'"
rm -f "$LOG.ack-unplug"
# The restore, as libvirt runs the hook for it: restore begin, then a start.
out=$(hook web9 restore begin "$LOG.saved/web9.xml"); rc=$?
check "restore begin: nothing to re-point (rc=$rc, no output)" test "$rc" = 0 -a -z "$out"
start_plain web9 "$LOG.saved/web9.xml"; rc=$?
check "the restore's start leases two VFs again (rc=$rc)" test "$rc" = 0 -a "$(lease_of web9 | wc -l)" = 2
check "  and the worker hot-plugs both" wait_for "$LOG" "attach $(uuid_of 9) .*ua-vfpool-1"
check "  configured as the request asks (VLAN 31 and 32)" \
  bash -c "[ \"\$(cat '$T'/nl.log.d/ens1f0-vf[45] | grep -c '^vlan=3[12]$')\" = 2 ]"
hook web9 release end "$LOG.saved/web9.xml"

running web10 10
"$CTL" attach web10 --pool save > /dev/null
held=$(lease_of web10)
"$CTL" managedsave web10 --timeout 1 > /dev/null 2> "$T/err"; rc=$?
check "managedsave, guest never lets the VF go: exit 1, one line ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q \"managedsave: domain 'web10': nic 0: the guest did not release device ua-vfpool-0 within 1 s; not saved\" '$T/err'"
check "  the domain still runs, its lease kept" \
  bash -c "[ -e '$T/libvirt/web10.xml' ] && [ '$(lease_of web10)' = '$held' ] && ! grep -q '^managedsave web10' '$LOG'"
"$CTL" managedsave web2 > /dev/null 2> "$T/err"; rc=$?
check "managedsave of a shut-off domain: exit 1 ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -q \"domain 'web2': the domain is not running\" '$T/err'"

# ---- usage errors: one line, exit 2 -----------------------------------------------
leases_before=$(lease_of web4) calls_before=$(wc -l < "$LOG")
for args in "attach web4 --vlan" "attach web4 --bogus 1" "attach web4" "attach --pool tenant" \
            "attach web4 --pool tenant --vlan 9999" "attach web4 --pool tenant --pool tiny" \
            "attach web4 extra --pool tenant" "detach web4 --timeout abc" "detach web4 --nic x" \
            "detach web4 --timeout -1" "detach"; do
  cmd=${args%% *}
  "$CTL" $args > /dev/null 2> "$T/err"; rc=$?
  check "'$args': exit 2, one line ($(cat "$T/err"))" \
    bash -c "[ $rc = 2 ] && [ \$(wc -l < '$T/err') = 1 ] \
             && grep -q '^vfpoolctl: $cmd: .* (see vfpoolctl $cmd --help)\$' '$T/err'"
done
check "  and nothing was leased or asked of libvirt meanwhile" \
  bash -c "[ '$leases_before' = '$(lease_of web4)' ] && [ $calls_before = $(wc -l < "$LOG") ]"
check "attach --help exits 0" bash -c "'$CTL' attach --help > /dev/null"

finish
