#!/bin/bash
# network.sh: network-backed pools (network=yes) through the network hook,
# fed <hookData> the way libvirt 9.0's networkRunHook writes it (the network
# XML, then virNetworkPortDefFormatBuf's <networkport>): the lease is in the
# same store as a request's, allow= refuses the port, the pool's knobs go on
# at port-created and back at port-deleted, MAC and VLAN stay libvirt's, a
# second port on a leased VF and a VF outside the pool are refused, a request
# naming a network-backed pool is refused, hostile hookData is one line.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=net.conf pool "[pool tenant-a]" "pfs=ens1f0#0-2" "network=yes" "spoofchk=off" \
  "trust=on" "max-tx-rate=500" "allow=web*"
POOL_FILE=other.conf pool "[pool plain]" "pfs=ens1f0#3-4"

# port OP NET FILE: the network hook call libvirt makes.
port() { hook "$2" "$1" begin "$3"; }
# expect_port_refusal WHAT FILE PATTERN: port-created exits 1 with one
# line matching PATTERN; nothing leased or changed.
expect_port_refusal() {
  local what=$1 file=$2 pattern=$3 err rc leases
  leases=$(lease_count)
  err=$(port port-created vfpool-tenant-a "$file" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *"$pattern"* ]] \
     && [ "$(lease_count)" = "$leases" ]; then
    ok "$what: $err"
  else
    not_ok "$what: rc=$rc leases=$(lease_count) (were $leases) message: $err"
  fi
}

# ---- port-created leases, configures, keeps MAC/VLAN libvirt's ---------------
seed_vf ens1f0 0 52:54:00:00:00:99 7
hookdata vfpool-tenant-a tenant-a 1 web1 1 10.0 > "$T/p1.xml"
check "port-created of web1's port on VF 0 succeeds" port port-created vfpool-tenant-a "$T/p1.xml"
check "  a lease for VF 0 in the lease store" test -f "$T/run/leases/0000:01:10.0"
check "  owned by web1" test "$(lease_of web1)" = 0000:01:10.0
check "  naming the port" grep -q "^network-port=aaaaaaaa-0000-4000-8000-000000000001$" \
  "$T/run/leases/0000:01:10.0"
check "  configured" grep -q "^state=configured$" "$T/run/leases/0000:01:10.0"
check "  spoofchk from the pool" test "$(vf_state ens1f0 0 spoofchk)" = off
check "  trust from the pool" test "$(vf_state ens1f0 0 trust)" = on
check "  rate from the pool" test "$(vf_state ens1f0 0 max-tx-rate)" = 500
check "  MAC left to libvirt" test "$(vf_state ens1f0 0 mac)" = 52:54:00:00:00:99
check "  VLAN left to libvirt" test "$(vf_state ens1f0 0 vlan)" = 7
"$CTL" status > "$T/status.txt" 2>&1
check "vfpoolctl status shows the port's VF leased to web1" \
  grep -q "0000:01:10.0.*web1" "$T/status.txt"
check "the same port created again is success, nothing redone" \
  port port-created vfpool-tenant-a "$T/p1.xml"
check "  still one lease" test "$(lease_count)" = 1

# ---- the qemu hook leaves the port's lease alone ------------------------------
domain_xml web1 1 > "$T/web1.xml"
sed -i "s|</devices>|<interface type='network'><source network='vfpool-tenant-a'/></interface><interface type='hostdev'><alias name='ua-vfpool-0'/></interface></devices>|" "$T/web1.xml"
hook web1 started begin "$T/web1.xml"
check "started begin of the domain keeps the port's lease" test "$(lease_of web1)" = 0000:01:10.0
# a domain with a request too: prepare and started leave the port's lease
domain_xml web1 1 'pool="plain"' > "$T/web1-req.xml"
check "prepare begin of web1's request (pool 'plain') succeeds" hook web1 prepare begin "$T/web1-req.xml"
check "  the port's lease stays beside the request's" \
  test "$(lease_of web1 | tr '\n' ' ')" = "0000:01:10.0 0000:01:10.6 "
hook web1 started begin "$T/web1-req.xml"
check "  and after started begin" test "$(lease_of web1 | tr '\n' ' ')" = "0000:01:10.0 0000:01:10.6 "

# ---- attacker: a second port on the leased VF --------------------------------
hookdata vfpool-tenant-a tenant-a 2 web2 2 10.0 > "$T/p2.xml"
expect_port_refusal "a second port (another domain) on VF 0 is refused" "$T/p2.xml" \
  "network 'vfpool-tenant-a' port of domain 'web2': VF 0000:01:10.0 is leased to domain 'web1' through another port"
hookdata vfpool-tenant-a tenant-a 3 web1 1 10.0 > "$T/p3.xml"
expect_port_refusal "a second port of the same domain on VF 0 is refused" "$T/p3.xml" \
  "VF 0000:01:10.0 is leased to domain 'web1' through another port"
check "  web1's VF keeps its knobs" test "$(vf_state ens1f0 0 trust)" = on
check "a port-deleted naming another port frees nothing" \
  port port-deleted vfpool-tenant-a "$T/p2.xml"
check "  web1's lease stays" test -f "$T/run/leases/0000:01:10.0"

# ---- ACL ----------------------------------------------------------------------
hookdata vfpool-tenant-a tenant-a 4 db1 4 10.2 > "$T/acl.xml"
expect_port_refusal "allow= refuses db1's port" "$T/acl.xml" \
  "network 'vfpool-tenant-a' port of domain 'db1': pool 'tenant-a' does not allow this domain (allow= in"
check "  VF 1 untouched" test "$(vf_state ens1f0 1 trust)" = off

# ---- a VF outside the pool is refused --------------------------------------------
hookdata vfpool-tenant-a tenant-a 5 web5 5 11.0 > "$T/out.xml"
expect_port_refusal "a port for VF 4 (pool 'plain') is refused" "$T/out.xml" \
  "VF 0000:01:11.0 is not in pool 'tenant-a'; run 'vfpoolctl net-sync'"

# ---- networks vfpool does not own --------------------------------------------
hookdata vfpool-tenant-a - 6 web6 6 10.2 > "$T/nomark.xml"
check "a vfpool-named network without the marker is ignored (exit 0)" \
  port port-created vfpool-tenant-a "$T/nomark.xml"
hookdata default - 7 web7 7 10.2 > "$T/default.xml"
check "another network is ignored (exit 0)" port port-created default "$T/default.xml"
check "  neither leased anything" test "$(lease_count)" = 2

# ---- a request naming the network-backed pool ------------------------------------
domain_xml web9 9 'pool="tenant-a"' > "$T/req.xml"
err=$(hook web9 prepare begin "$T/req.xml" 2>&1 >/dev/null); rc=$?
check "a request for a network-backed pool is refused (rc=$rc: $err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == *\"pool 'tenant-a' is network-backed (network=yes in\"*\"<source network='vfpool-tenant-a'/>\"* ]]"

# ---- port-deleted restores what vfpool set, frees the lease ------------------------
check "port-deleted of web1's port exits 0" port port-deleted vfpool-tenant-a "$T/p1.xml"
check "  the port's lease is gone, the request's stays" \
  test "$(lease_of web1 | tr '\n' ' ')" = "0000:01:10.6 "
check "  trust restored" test "$(vf_state ens1f0 0 trust)" = off
check "  spoofchk restored" test "$(vf_state ens1f0 0 spoofchk)" = on
check "  rate restored" test "$(vf_state ens1f0 0 max-tx-rate)" = 0
check "  MAC not touched" test "$(vf_state ens1f0 0 mac)" = 52:54:00:00:00:99
check "  VLAN not touched" test "$(vf_state ens1f0 0 vlan)" = 7
check "port-deleted again is harmless" port port-deleted vfpool-tenant-a "$T/p1.xml"
hook web1 release end "$T/web1-req.xml"
check "release end of web1 frees the request's lease" test "$(lease_count)" = 0
check "the replayed port can be created on the freed VF by web2" \
  port port-created vfpool-tenant-a "$T/p2.xml"
check "  leased to web2" test "$(lease_of web2)" = 0000:01:10.0
domain_xml web2 2 > "$T/web2.xml"
hook web2 release end "$T/web2.xml"
check "release end of web2 (no request) frees it too: one lease store" test "$(lease_count)" = 0

# ---- hostile / bad hookData: one line, nothing leased -----------------------------
printf '<hookData><network><name>vfpool-tenant-a</name>' > "$T/trunc.xml"
expect_port_refusal "truncated hookData" "$T/trunc.xml" "vfpool: network 'vfpool-tenant-a': hook data is not well-formed"
cat > "$T/bomb.xml" <<'XML'
<!DOCTYPE hookData [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<hookData><network><name>&b;</name></network></hookData>
XML
expect_port_refusal "an entity bomb" "$T/bomb.xml" "hook data has a DTD or entities, which vfpool refuses"
hookdata vfpool-tenant-a tenant-a 1 web1 1 10.0 | sed "s|<name>web1</name>|<name>w$(printf '\277')eb1</name>|" > "$T/latin.xml"
expect_port_refusal "bytes that are not UTF-8 (libxml2's message has two lines)" "$T/latin.xml" "not proper UTF-8"
echo "<domain/>" > "$T/root.xml"
expect_port_refusal "another root element" "$T/root.xml" "hook data has root element <domain>, not <hookData>"
hookdata vfpool-tenant-a tenant-a 1 web1 1 10.0 | sed 's|<uuid>aaaa[^<]*</uuid>|<uuid>not-a-uuid</uuid>|' > "$T/baduuid.xml"
expect_port_refusal "a malformed port uuid" "$T/baduuid.xml" "<networkport> <uuid> 'not-a-uuid' is malformed"
hookdata vfpool-tenant-a tenant-a 1 web1 1 10.0 | sed 's|<owner>.*||; s|</owner>||' | grep -v "<name>web1\|<uuid>0000" > "$T/noowner.xml"
expect_port_refusal "a port without owner" "$T/noowner.xml" "<networkport> has no <owner>"
hookdata vfpool-tenant-a tenant-a 1 web1 1 10.0 bridge > "$T/bridge.xml"
expect_port_refusal "a plug that is not hostdev-pci" "$T/bridge.xml" "plug type 'bridge' is not hostdev-pci"
head -c 5000000 /dev/zero | tr '\0' ' ' > "$T/huge.xml"
expect_port_refusal "oversized hookData" "$T/huge.xml" "bytes, over the 4194304-byte limit"
check "bad hookData at port-deleted exits 0" port port-deleted vfpool-tenant-a "$T/trunc.xml"
check "nothing was ever leased by the bad inputs" test "$(lease_count)" = 0

# ---- config: network=yes with a pool VLAN is refused ---------------------------------
POOL_FILE=net.conf pool "[pool tenant-a]" "pfs=ens1f0#0-2" "network=yes" "vlan=100"
expect_port_refusal "a network pool with vlan= is broken" "$T/p1.xml" \
  "network=yes: libvirt sets the VLAN of a network port from the domain's <vlan>"

# ---- net-sync, on libvirt's test driver (one process: its state is the file) -----
POOL_FILE=net.conf pool "[pool tenant-a]" "pfs=ens1f0#0-2" "network=yes" "trust=on"
rm -f "$T/etc/pools.d/other.conf"
# node NETWORK-XML...: a test-driver host with libvirt's default network and these.
node() {
  { echo "<node><network><name>default</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>"
    echo "<bridge name='virbr0'/><forward/><ip address='192.168.122.1' netmask='255.255.255.0'/></network>"
    printf '%s\n' "$@"; echo "</node>"; } > "$T/node.xml"
}
mark() { echo "<metadata><vfpool:network xmlns:vfpool='urn:vfpool:network:1' pool='$1'/></metadata>"; }
addr() { echo "<address type='pci' domain='0x0000' bus='0x01' slot='0x$1' function='0x$2'/>"; }
in_step="<network><name>vfpool-tenant-a</name><uuid>6d7e2c55-0000-4000-8000-00000000000a</uuid>$(mark tenant-a)<forward mode='hostdev' managed='yes'><driver name='vfio'/>$(addr 10 0)$(addr 10 2)$(addr 10 4)</forward></network>"
sync() { VFPOOL_LIBVIRT_URI="test://$T/node.xml" "$CTL" net-sync; }
doctor_net() { VFPOOL_LIBVIRT_URI="test://$T/node.xml" "$CTL" doctor 2>&1 | grep -A1 '^\[[A-Z]*\] network:'; }

node
out=$(sync 2>&1); rc=$?
check "net-sync defines, starts and autostarts vfpool-tenant-a (rc=$rc: $out)" \
  test "$rc:$out" = "0:vfpool-tenant-a: defined started autostart"
check "  and leaves the default network alone" bash -c "! grep -q default <<< '$out'"
out=$(doctor_net)
check "  doctor: '$out'" bash -c "[[ \"\$1\" == *\"[FAIL] network:vfpool-tenant-a: network 'vfpool-tenant-a' is missing\"*\"fix: vfpoolctl net-sync\"* ]]" _ "$out"

# (the test driver's networks from its file are transient: "defined" makes
# them persistent; a real libvirtd's are defined already — e2e 09)
node "$in_step"
out=$(sync 2>&1); rc=$?
check "a running network with the pool's VFs is not restarted (rc=$rc: $out)" \
  test "$rc:$out" = "0:vfpool-tenant-a: defined autostart"
out=$(doctor_net)
check "  doctor: no VF difference, no 'not running' ('$out')" bash -c "[[ \"\$1\" == *\"network 'vfpool-tenant-a' does not autostart\"* ]] && [[ \"\$1\" != *VFs* ]] && [[ \"\$1\" != *running* ]]" _ "$out"

node "${in_step//$(addr 10 4)/}"
out=$(sync 2>&1); rc=$?
check "a network missing a VF of the pool is redefined and restarted (rc=$rc: $out)" \
  test "$rc:$out" = "0:vfpool-tenant-a: defined restarted autostart"
out=$(doctor_net)
check "  doctor names the VF ('$out')" bash -c "[[ \"\$1\" == *\"running network 'vfpool-tenant-a' lists 2 VFs, the pool 3 (first missing 0000:01:10.4)\"* ]]" _ "$out"

node "${in_step//$(mark tenant-a)/}"
out=$(sync 2>&1); rc=$?
check "a same-named network without the marker is refused, exit 1 (rc=$rc: $out)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == \"vfpoolctl: net-sync: network 'vfpool-tenant-a' exists without vfpool's marker\"*\"not vfpool's, left alone; rename or remove it\" ]]" _ "$out"

node "$in_step" "<network><name>vfpool-old</name><uuid>6d7e2c55-0000-4000-8000-00000000000b</uuid>$(mark old)<forward mode='hostdev' managed='yes'>$(addr 11 0)</forward></network>"
out=$(sync 2>&1); rc=$?
check "vfpool's network of a pool that is gone is retired (rc=$rc: $out)" \
  bash -c "[ $rc = 0 ] && grep -qx 'vfpool-old: retired (stopped, undefined)' <<< '$out'"

# switching a pool's mode with leases outstanding
POOL_FILE=net.conf pool "[pool tenant-a]" "pfs=ens1f0#0-2"
domain_xml web1 1 'pool="tenant-a"' > "$T/req1.xml"
hook web1 prepare begin "$T/req1.xml"
POOL_FILE=net.conf pool "[pool tenant-a]" "pfs=ens1f0#0-2" "network=yes"
node
out=$(sync 2>&1); rc=$?
check "network=yes with a request's lease outstanding is refused (rc=$rc: $out)" \
  test "$rc:$out" = "1:vfpoolctl: net-sync: pool 'tenant-a' is network=yes but 1 of its VFs is leased through vfpool requests (domain 'web1'); stop those domains first"
hook web1 release end "$T/req1.xml"
port port-created vfpool-tenant-a "$T/p1.xml"
POOL_FILE=net.conf pool "[pool tenant-a]" "pfs=ens1f0#0-2"
node "$in_step"
out=$(sync 2>&1); rc=$?
check "network=no with a port's lease outstanding keeps the network (rc=$rc: $out)" \
  test "$rc:$out" = "1:vfpoolctl: net-sync: network 'vfpool-tenant-a': pool 'tenant-a' is no longer network=yes but 1 of its VFs is leased through its ports; stop those domains first"
port port-deleted vfpool-tenant-a "$T/p1.xml"

finish
