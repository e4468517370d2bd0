#!/bin/bash
# request.sh: `vfpoolctl request` / `unrequest` edit the request through the
# libvirt API, and what libvirt stores is what inject and the hook read.
# libvirt's test driver (test:///FILE) stands in for libvirtd: it runs the
# same metadata code (virDomainDefSetMetadata) but keeps changes in the one
# process, so each call checks its result with --print / --dry-run.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-3"
POOL_FILE=storage.conf pool "[pool storage]" "pfs=ens1f0#4-6"

# web1 has no request; web2 carries one in the form `virsh metadata
# DOMAIN urn:vfpool:domain:1 --key vfpool --set '<request>…'` stores.
cat > "$T/node.xml" <<'X'
<node>
  <domain type='test'>
    <name>web1</name><uuid>00000000-0000-4000-8000-000000000001</uuid>
    <memory>65536</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
    <devices><controller type='pci' index='0' model='pcie-root'/>
      <controller type='pci' index='1' model='pcie-root-port'/>
      <controller type='pci' index='2' model='pcie-root-port'/></devices>
  </domain>
  <domain type='test'>
    <name>web2</name><uuid>00000000-0000-4000-8000-000000000002</uuid>
    <metadata>
      <vfpool:request xmlns:vfpool="urn:vfpool:domain:1">
        <vfpool:nic pool="tenant" vlan="10"/>
        <vfpool:nic pool="storage" mac="52:54:00:aa:bb:02"/>
      </vfpool:request>
    </metadata>
    <memory>65536</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
    <devices><controller type='pci' index='0' model='pcie-root'/></devices>
  </domain>
  <domain type='test'>
    <name>web3</name><uuid>00000000-0000-4000-8000-000000000003</uuid>
    <metadata>
      <vfpool:request xmlns:vfpool="urn:vfpool:domain:1">
        <vfpool:nic pool="tenant"/>
        <vfpool:nic pool="storage" vlan="7"/>
        <vfpool:nic pool="tenant"/>
      </vfpool:request>
    </metadata>
    <memory>65536</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
    <devices><controller type='pci' index='0' model='pcie-root'/>
      <controller type='pci' index='1' model='pcie-root-port'/>
      <controller type='pci' index='2' model='pcie-root-port'/>
      <controller type='pci' index='3' model='pcie-root-port'/></devices>
  </domain>
</node>
X
ctl() { VFPOOL_LIBVIRT_URI="test://$T/node.xml" "$CTL" "$@"; }
nics_in() { grep -c '<vfpool:nic ' "$1"; }

# ---- request: the stored form reads back -----------------------------------
ctl request web1 --pool tenant --vlan 100 --spoofchk=off --print > "$T/web1.xml" 2> "$T/err"; rc=$?
check "request --print: exit 0 ($(cat "$T/err"))" test "$rc" = 0
check "libvirt stores the nic namespaced under <metadata>" \
  grep -q '<vfpool:nic pool="tenant" vlan="100" spoofchk="off"/>' "$T/web1.xml"
check "no warning for a pool this host has" test ! -s "$T/err"
"$CTL" inject --dry-run "$T/web1.xml" > "$T/inj.xml" 2> "$T/err"; rc=$?
check "inject reads the stored request ($(cat "$T/err"))" \
  bash -c "[ $rc = 0 ] && grep -q 'ua-vfpool-0' '$T/inj.xml'"
check "inject --dry-run leased nothing" test "$(lease_count)" = 0

# The hook, given what libvirt would hand it, applies what was requested.
hook web1 prepare begin "$T/web1.xml" 2> "$T/err"; rc=$?
check "hook prepare begin on the stored XML ($(cat "$T/err"))" test "$rc" = 0
check "the requested VLAN reached the VF" test "$(vf_state ens1f0 0 vlan)" = 100
check "the requested spoofchk reached the VF" test "$(vf_state ens1f0 0 spoofchk)" = off
stop_domain web1 "$T/web1.xml"
check "stop released the VF" test "$(lease_count)" = 0

# --dry-run writes nothing and shows the same request libvirt would store.
ctl request web1 --pool tenant --vlan 100 --spoofchk=off --dry-run > "$T/dry.xml"; rc=$?
check "request --dry-run: exit 0" test "$rc" = 0
check "--dry-run shows the request as libvirt stores it" \
  grep -q '<vfpool:nic pool="tenant" vlan="100" spoofchk="off"/>' "$T/dry.xml"
"$CTL" inject --dry-run "$T/dry.xml" > "$T/inj2.xml"
check "--dry-run XML injects to the same devices" \
  bash -c "diff <(grep -A2 '<hostdev' '$T/inj.xml') <(grep -A2 '<hostdev' '$T/inj2.xml')"

# Every attribute, --name=value and --name value alike.
ctl request web1 --pool=tenant --vlan 7 --qos 3 --vlan-proto 802.1ad --mac 52:54:00:00:00:01 \
  --spoofchk on --trust on --min-tx-rate 10 --max-tx-rate 100 --link-state enable \
  --print > "$T/all.xml"; rc=$?
check "request with every attribute: exit 0" test "$rc" = 0
check "every attribute stored" grep -q 'vlan="7" qos="3" vlan-proto="802.1ad" mac="52:54:00:00:00:01" spoofchk="on" trust="on" min-tx-rate="10" max-tx-rate="100" link-state="enable"' "$T/all.xml"
"$CTL" inject --dry-run "$T/all.xml" > /dev/null 2> "$T/err"
check "inject accepts every attribute ($(cat "$T/err"))" test ! -s "$T/err"

# bond= goes in like the knobs; a second nic of the bond is appended.
ctl request web2 --pool tenant --bond b0 --print > "$T/bond.xml"; rc=$?
check "request --bond stores bond= (rc=$rc)" grep -q '<vfpool:nic pool="tenant" bond="b0"/>' "$T/bond.xml"
check "  and inject reads it" bash -c "'$CTL' inject --dry-run '$T/bond.xml' > /dev/null"

# ---- appending and removing on an existing request -------------------------
ctl request web2 --pool tenant --trust on --print > "$T/web2.xml"; rc=$?
check "request appends to an existing request" \
  bash -c "[ $rc = 0 ] && [ \$(grep -c '<vfpool:nic ' '$T/web2.xml') = 3 ]"
check "existing nics are kept as they were" \
  bash -c "grep -q 'pool=\"tenant\" vlan=\"10\"' '$T/web2.xml' && grep -q 'mac=\"52:54:00:aa:bb:02\"' '$T/web2.xml'"
check "one <request> only" test "$(grep -c '<vfpool:request' "$T/web2.xml")" = 1

ctl unrequest web2 --nic 0 --print > "$T/un0.xml"; rc=$?
check "unrequest --nic 0 leaves nic 1 as the only nic" \
  bash -c "[ $rc = 0 ] && [ \$(grep -c '<vfpool:nic ' '$T/un0.xml') = 1 ] && grep -q 'pool=\"storage\"' '$T/un0.xml'"
ctl unrequest web2 --print > "$T/un.xml"; rc=$?
check "unrequest removes the whole request" \
  bash -c "[ $rc = 0 ] && ! grep -q 'vfpool' '$T/un.xml' && grep -q '<name>web2</name>' '$T/un.xml'"
out=$(ctl unrequest web1); rc=$?
check "unrequest without a request says so, exit 0 ($out)" \
  bash -c "[ $rc = 0 ] && [[ '$out' == *'has no vfpool request'* ]]"
out=$(ctl unrequest web2 --dry-run); rc=$?
check "unrequest --dry-run prints the XML without the request" \
  bash -c "[ $rc = 0 ] && [[ '$out' == *'<name>web2</name>'* ]] && [[ '$out' != *vfpool:request* ]]"

# ---- refusals: one line naming domain, attribute and value; nothing written
expect_refusal() {
  local what=$1 pattern=$2 err rc; shift 2
  err=$(ctl "$@" 2>&1 >/dev/null); rc=$?
  if [ "$rc" -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *$pattern* ]]; then
    ok "$what: $err"
  else
    not_ok "$what: rc=$rc message: $err"
  fi
}
expect_refusal "VLAN out of range" "domain 'web1'*vlan '5000'" request web1 --pool tenant --vlan 5000
expect_refusal "bad spoofchk" "domain 'web1'*spoofchk 'maybe'" request web1 --pool tenant --spoofchk maybe
expect_refusal "malformed MAC" "domain 'web1'*52:54:00:zz:00:01" request web1 --pool tenant --mac 52:54:00:zz:00:01
expect_refusal "multicast MAC" "domain 'web1'*01:00:5e:00:00:01" request web1 --pool tenant --mac 01:00:5e:00:00:01
expect_refusal "rate not a number" "domain 'web1'*max-tx-rate 'fast'" request web1 --pool tenant --max-tx-rate fast
expect_refusal "bad pool name" "domain 'web1'*pool '../x'" request web1 --pool ../x
expect_refusal "no --pool" "domain 'web1'*--pool" request web1 --vlan 5
expect_refusal "bad bond name" "domain 'web1'*bond 'b 0' is not a valid bond name" request web1 --pool tenant --bond 'b 0'

expect_refusal "unknown option" "unknown option '--colour'" request web1 --pool tenant --colour blue
expect_refusal "unknown domain" "domain 'nosuch'" request nosuch --pool tenant
expect_refusal "unrequest a nic that is not there" "domain 'web2' has no nic 5" unrequest web2 --nic 5
expect_refusal "unrequest --nic not a number" "--nic 'x'" unrequest web2 --nic x

# unrequest --nic 0 leaves the MACs of the other nics as they were (a nic
# without mac= gets one derived from the UUID and its index, and the index
# moves): the MACs prepare applies before and after are the same.
macs_of() {   # the MAC prepare gives each nic of domain web3, in nic order
  hook web3 prepare begin "$1" >/dev/null 2>&1 || echo "prepare failed: $(hook web3 prepare begin "$1" 2>&1)" >&2
  "$CTL" status --json | python3 -c "import json,sys
d = json.load(sys.stdin)
print(' '.join(v['mac'] for v in sorted((v for v in d['vfs'] if v['owner'] == 'web3'), key=lambda v: v['nic'])))"
  hook web3 release end "$1" >/dev/null 2>&1
}
domain_xml web3 3 'pool="tenant"' 'pool="storage" vlan="7"' 'pool="tenant"' |
  sed "s|</devices>|<controller type='pci' index='3' model='pcie-root-port'/></devices>|" > "$T/web3.xml"
before=$(macs_of "$T/web3.xml" | cut -d' ' -f2-)
ctl unrequest web3 --nic 0 --print > "$T/web3-un0.xml"; rc=$?
after=$(macs_of "$T/web3-un0.xml")
check "unrequest --nic 0: nics 1 and 2 keep their MACs (rc=$rc: before '$before', after '$after')" \
  bash -c "[ $rc = 0 ] && [ '$before' = '$after' ] && [ \$(wc -w <<< '$after') = 2 ]"
check "... written down as mac= in the request" \
  test "$(grep -c '<vfpool:nic [^>]*mac="' "$T/web3-un0.xml")" = 2

# A pool this host lacks: refused with the pools there are and the closest
# name; --force writes it anyway (a domain meant for another host).
err=$(ctl request web1 --pool tennant --print 2>&1 >/dev/null); rc=$?
check "a pool this host lacks is refused, exit 1, did you mean ($err)" \
  bash -c "[ $rc = 1 ] && [ \"\$1\" = \"vfpoolctl: domain 'web1': this host has no pool 'tennant'; did you mean 'tenant'? (pools: storage, tenant); --force writes it anyway\" ]" _ "$err"
err=$(ctl request web1 --pool zzzzzzzz --dry-run 2>&1 >/dev/null); rc=$?
check "... no suggestion when no name is close ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *\"no pool 'zzzzzzzz' (pools: storage, tenant)\"* ]]" _ "$err"
ctl request web1 --pool elsewhere --force --print > "$T/forced.xml" 2> "$T/err"; rc=$?
check "--force writes it, with a warning ($(cat "$T/err"))" \
  bash -c "[ $rc = 0 ] && grep -q 'pool=\"elsewhere\"' '$T/forced.xml' && grep -q \"warning.*no pool 'elsewhere'\" '$T/err'"

# --failover writes failover="yes" on the nic, and the hook's parser takes it.
ctl request web1 --pool tenant --failover --print > "$T/fo.xml"; rc=$?
check "request --failover stores failover=\"yes\" (rc=$rc)" \
  grep -q '<vfpool:nic pool="tenant" failover="yes"/>' "$T/fo.xml"
check "  and inject reads it" bash -c "'$CTL' inject --dry-run '$T/fo.xml' > /dev/null"
sed 's/failover="yes"/failover="maybe"/' "$T/fo.xml" > "$T/fo-bad.xml"
err=$("$CTL" inject --dry-run "$T/fo-bad.xml" 2>&1 >/dev/null); rc=$?
check "failover=\"maybe\" is refused by the parser ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *\"failover 'maybe' is not yes or no\"* ]]" _ "$err"
check "no lease left behind" test "$(lease_count)" = 0

finish
