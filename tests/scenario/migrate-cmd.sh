#!/bin/bash
# migrate-cmd.sh: `vfpoolctl migrate` against the record seam
# (tools/vfpoolctl-record.h): the plain vfpool devices leave the guest and
# their VFs go back before the migrate call, a failover pair stays, the
# domain's live XML moves to the destination (attach.log.dest.run) where
# attach.log.dest-plug says which VF the destination plugged; a guest that
# keeps a VF (attach.log.keep-unplug) or a migration libvirt refuses
# (attach.log.fail-migrate) leaves the domain here with its VFs plugged
# back, the nic's knobs from the live request.  Last, the hook's hot-plug
# worker waits while the domain is paused for an incoming migration
# (attach.log.incoming plays that state).
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-2"
POOL_FILE=fo.conf pool "[pool fo]" "pfs=ens1f0#3" "failover=yes" "failover-network=fonet"
LOG="$T/attach.log"
DEST=qemu+ssh://hostb/system
mkdir -p "$LOG.config"
touch "$LOG.ack-unplug"

# running NAME N: domain NAME (uuid N) runs, no request, 3 free root ports.
running() {
  domain_xml "$1" "$2" | sed "s/<domain type='qemu'>/<domain type='qemu' id='$2'>/" \
    | sed "s|</devices>|<controller type='pci' index='3' model='pcie-root-port'/></devices>|" \
    > "$T/libvirt/$1.xml"
  domain_xml "$1" "$2" > "$LOG.config/$1.xml"
}
line_of() { grep -n "$1" "$LOG" | head -1 | cut -d: -f1; }
VF0=0000:01:10.0 VF1=0000:01:10.2 VF3=0000:01:10.6

# ---- 1. success: two plain nics out, migrated, the destination's VFs reported
running web1 1
"$CTL" attach web1 --pool tenant --vlan 100 > /dev/null \
  && "$CTL" attach web1 --pool tenant --vlan 200 --spoofchk off > /dev/null
check "web1 holds VF 0 (VLAN 100) and VF 1 (VLAN 200)" \
  bash -c "[ '$(lease_of web1 | tr '\n' ' ')' = '$VF0 $VF1 ' ] && [ '$(vf_state ens1f0 1 vlan)' = 200 ]"
printf '0 0000:03:10.0\n1 0000:03:10.2\n' > "$LOG.dest-plug"
: > "$LOG"
"$CTL" migrate web1 "$DEST" --persistent --undefinesource --migrateuri tcp://hostb:49152 \
  > "$T/out" 2> "$T/err"; rc=$?
check "migrate: exit 0, nothing on stderr ($(cat "$T/err"))" bash -c "[ $rc = 0 ] && [ ! -s '$T/err' ]"
check "  both devices asked out before the migrate call" \
  bash -c "[ -n '$(line_of 'detach-alias web1 ua-vfpool-1')' ] && [ '$(line_of 'detach-alias web1 ua-vfpool-0')' -lt '$(line_of '^migrate web1')' ] && [ '$(line_of 'detach-alias web1 ua-vfpool-1')' -lt '$(line_of '^migrate web1')' ]"
check "  the migrate call: live, persistent, undefine source, the migration URI" \
  grep -qx "migrate web1 $DEST live,persist-dest,undefine-source migrateuri=tcp://hostb:49152" "$LOG"
check "  VFs 0 and 1 released and restored here (VLAN 0, spoofchk on)" \
  bash -c "[ -z '$(lease_of web1)' ] && [ '$(vf_state ens1f0 0 vlan)' = 0 ] && [ '$(vf_state ens1f0 1 vlan)' = 0 ] && [ '$(vf_state ens1f0 1 spoofchk)' = on ]"
check "  the domain runs there now, not here (its request in the XML it took)" \
  bash -c "[ ! -e '$T/libvirt/web1.xml' ] && [ \$(grep -o '<vfpool:nic ' '$LOG.dest.run/web1.xml' | wc -l) = 2 ]"
check "  --undefinesource: no persistent definition left here" test ! -e "$LOG.config/web1.xml"
check "  one line for the migration, one per nic with both VFs ($(tr '\n' '|' < "$T/out"))" \
  bash -c "[ \$(wc -l < '$T/out') = 3 ] && grep -qx \"domain 'web1' migrated to $DEST\" '$T/out' \
           && grep -qx \"domain 'web1': nic 0: VF $VF0 here, VF 0000:03:10.0 on $DEST\" '$T/out' \
           && grep -qx \"domain 'web1': nic 1: VF $VF1 here, VF 0000:03:10.2 on $DEST\" '$T/out'"

# ---- 2. a failover nic stays in; the plain one goes; --json ------------------
running web2 2
"$CTL" attach web2 --pool fo --failover --mac 52:54:00:00:02:01 > /dev/null \
  && "$CTL" attach web2 --pool tenant --vlan 22 > /dev/null
check "web2 holds failover VF 3 (nic 0) and plain VF 0 (nic 1)" \
  bash -c "[ '$(lease_of web2 | tr '\n' ' ')' = '$VF0 $VF3 ' ]"
printf '1 0000:03:10.4\n' > "$LOG.dest-plug"
: > "$LOG"
"$CTL" migrate web2 "$DEST" --json > "$T/out" 2> "$T/err"; rc=$?
check "migrate with a failover nic: exit 0 ($(cat "$T/err"))" test "$rc" = 0
check "  the failover VF is not asked out, the plain one is" \
  bash -c "! grep -q 'detach-alias web2 ua-vfpool-0' '$LOG' && grep -qx 'detach-alias web2 ua-vfpool-1' '$LOG'"
check "  the migrate call: live only" grep -qx "migrate web2 $DEST live" "$LOG"
check "  the failover VF stays leased here (QEMU unplugs it; release end frees it)" \
  bash -c "[ '$(lease_of web2)' = $VF3 ] && [ -n '$(vf_state ens1f0 3 mac)' ]"
check "  the failover device travels in the XML" grep -q 'teaming type="transient"' "$LOG.dest.run/web2.xml"
check "  --json: the document ($(cat "$T/out"))" \
  grep -qx "{\"version\":1,\"domain\":\"web2\",\"dest\":\"$DEST\",\"migrated\":true,\"nics\":\[{\"nic\":1,\"source_vf\":\"$VF0\",\"dest_vf\":\"0000:03:10.4\",\"back_vf\":null}\],\"error\":null}" "$T/out"

# ---- 3. the guest keeps nic 1: nothing migrated, nic 0 plugged back ----------
running web3 3
"$CTL" attach web3 --pool tenant --vlan 31 > /dev/null \
  && "$CTL" attach web3 --pool tenant --vlan 32 > /dev/null
held1=$(for v in $(lease_of web3); do grep -qx nic=1 "$T/run/leases/$v" && echo "$T/run/leases/$v"; done)
echo ua-vfpool-1 > "$LOG.keep-unplug"
: > "$LOG"
"$CTL" migrate web3 "$DEST" --timeout 1 > "$T/out" 2> "$T/err"; rc=$?
rm -f "$LOG.keep-unplug"
check "guest keeps a VF: exit 1, one line naming nic 1, not migrated, nic 0 back ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && [ ! -s '$T/out' ] \
           && grep -qx \"vfpoolctl: migrate: domain 'web3': nic 1: the guest did not release device ua-vfpool-1 within 1 s; not migrated; nic 0 is back on VF $VF0\" '$T/err'"
check "  no migrate call; the domain runs here" \
  bash -c "! grep -q '^migrate' '$LOG' && [ -e '$T/libvirt/web3.xml' ]"
check "  nic 0 plugged back after it left, with its VLAN 31" \
  bash -c "[ '$(line_of 'detach-alias web3 ua-vfpool-0')' -lt '$(line_of 'attach-live web3 .*ua-vfpool-0')' ] && [ '$(vf_state ens1f0 0 vlan)' = 31 ] && grep -qx nic=0 '$T/run/leases/$VF0'"
check "  nic 1 keeps its lease untouched" \
  bash -c "[ -e '$held1' ] && [ $(lease_of web3 | wc -l) = 2 ]"
check "  the live request unchanged (2 nics, no metadata call)" \
  bash -c "[ \$(grep -o '<vfpool:nic ' '$T/libvirt/web3.xml' | wc -l) = 2 ] && ! grep -q '^metadata' '$LOG'"

# ---- 4. libvirt refuses the migration: VFs back with the same knobs ----------
rm -f "$T/libvirt/web3.xml" "$LOG.unplug-pending"
"$CTL" release --force web3 > /dev/null 2>&1
running web4 4
"$CTL" attach web4 --pool tenant --vlan 41 --spoofchk off --trust on > /dev/null
echo "operation failed: hook script execution failed: vfpool: pool 'tenant' has no free VF" \
  > "$LOG.fail-migrate"
: > "$LOG"
"$CTL" migrate web4 "$DEST" > "$T/out" 2> "$T/err"; rc=$?
check "migration refused: exit 1, one line with libvirt's reason and the VF it is back on ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] \
           && grep -qx \"vfpoolctl: migrate: domain 'web4': migration to $DEST failed: operation failed: hook script execution failed: vfpool: pool 'tenant' has no free VF; nic 0 is back on VF $VF0\" '$T/err'"
check "  the VF went back first, then was leased and plugged again" \
  bash -c "[ '$(line_of 'detach-alias web4')' -lt '$(line_of '^migrate web4')' ] && [ '$(line_of '^migrate web4')' -lt '$(line_of 'attach-live web4 .*ua-vfpool-0')' ]"
check "  the new lease is web4's nic 0 with VLAN 41, spoofchk off, trust on" \
  bash -c "[ '$(lease_of web4)' = $VF0 ] && grep -qx nic=0 '$T/run/leases/$VF0' && [ '$(vf_state ens1f0 0 vlan)' = 41 ] && [ '$(vf_state ens1f0 0 spoofchk)' = off ] && [ '$(vf_state ens1f0 0 trust)' = on ]"
check "  the domain still runs here" test -e "$T/libvirt/web4.xml"

# ... and the re-plug fails too: the nic stays without a VF, said so.
echo "internal error: unable to execute QEMU command 'device_add'" > "$LOG.fail-attach"
"$CTL" migrate web4 "$DEST" --json > "$T/out" 2> "$T/err"; rc=$?
rm -f "$LOG.fail-attach" "$LOG.fail-migrate"
check "re-plug failing too: exit 1, one line naming the nic left without a VF ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q 'migration to .* failed: operation failed' '$T/err' \
           && grep -q \"; nic 0 stays without a VF until the domain restarts (hot-plug of VF $VF0 failed (VF restored and released): internal error\" '$T/err'"
check "  no lease left, VF restored" \
  bash -c "[ -z '$(lease_of web4)' ] && [ '$(vf_state ens1f0 0 vlan)' = 0 ]"
check "  --json: not migrated, no VF back, the error" \
  bash -c "grep -q '\"migrated\":false,\"nics\":\[{\"nic\":0,\"source_vf\":\"$VF0\",\"dest_vf\":null,\"back_vf\":null}\],\"error\":\"migrate: domain' '$T/out'"

# ---- 5. the destination never plugs: migrated, said so, exit 1 ---------------
# (web4's nic 0 has no VF since 4; attach adds nic 1)
rm -f "$LOG.dest-plug"
"$CTL" attach web4 --pool tenant --vlan 42 > /dev/null
"$CTL" migrate web4 "$DEST" --timeout 1 > "$T/out" 2> "$T/err"; rc=$?
check "no VF on the destination in time: exit 1, says the migration happened ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] \
           && grep -q \"domain 'web4': migrated to $DEST, but nic 1 got no VF there within 1 s\" '$T/err' \
           && grep -qx \"domain 'web4' migrated to $DEST\" '$T/out' && grep -q 'nic 1: VF .* here, no VF yet on' '$T/out'"
check "  the VF is back here all the same" test -z "$(lease_of web4)"

# ---- 6. refusals and usage errors ---------------------------------------------
running web7 7
"$CTL" attach web7 --pool tenant --vlan 70 > /dev/null
echo "unable to connect to server at 'hostb:22': No route to host" > "$LOG.fail-connect"
: > "$LOG"
"$CTL" migrate web7 "$DEST" > /dev/null 2> "$T/err"; rc=$?
rm -f "$LOG.fail-connect"
check "an unreachable destination: exit 1, one line, nothing done ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -qx \"vfpoolctl: migrate: domain 'web7': cannot connect to $DEST: unable to connect to server at 'hostb:22': No route to host; nothing done\" '$T/err' \
           && [ ! -s '$LOG' ] && [ -n '$(lease_of web7)' ] && [ '$(vf_state ens1f0 0 vlan)' = 70 ]"
domain_xml web5 5 > "$LOG.config/web5.xml"        # defined, shut off
: > "$LOG"
"$CTL" migrate web5 "$DEST" > /dev/null 2> "$T/err"; rc=$?
check "a shut-off domain: exit 1, one line ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && [ \$(wc -l < '$T/err') = 1 ] && grep -q \"domain 'web5': the domain is not running\" '$T/err' && [ ! -s '$LOG' ]"
"$CTL" migrate nobody "$DEST" > /dev/null 2> "$T/err"; rc=$?
check "an unknown domain: exit 1, one line naming it once ($(cat "$T/err"))" \
  bash -c "[ $rc = 1 ] && grep -qx \"vfpoolctl: migrate: domain 'nobody': no such domain\" '$T/err'"
for args in "web1" "" "web1 $DEST extra" "web1 $DEST --timeout x" "web1 $DEST --timeout 3601" \
            "web1 $DEST --migrateuri"; do
  # shellcheck disable=SC2086
  err=$("$CTL" migrate $args 2>&1 >/dev/null); rc=$?
  check "migrate $args: usage error, exit 2, one line ($err)" \
    bash -c "[ $rc = 2 ] && [ \$(printf '%s\n' \"\$1\" | wc -l) = 1 ] && [[ \"\$1\" == 'vfpoolctl: migrate: '* ]]" _ "$err"
done

# ---- 7. the destination's hot-plug worker waits for the incoming migration ----
# A plain start's path (prepare, start, started) while the domain is paused
# for an incoming migration: no attach until it runs.
domain_xml web6 6 'pool="tenant" vlan="60"' > "$T/web6.xml"
touch "$LOG.incoming"
: > "$LOG"
check "web6 incoming: prepare, start, started" start_plain web6 "$T/web6.xml"
sleep 1.5
check "  no hot-plug while paused for the migration" bash -c "! grep -q '^attach $(uuid_of 6) ' '$LOG'"
rm -f "$LOG.incoming"
check "  the hot-plug once it runs" wait_for "$LOG" "^attach $(uuid_of 6) .*ua-vfpool-0"
finish
