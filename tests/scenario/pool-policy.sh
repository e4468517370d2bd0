#!/bin/bash
# pool-policy.sh: what a pool lets a request do.  allow= UUID items match
# UUIDs only; knobs the pool sets are binding unless overridable=; vlans=
# limits the VLANs a request may ask for.  A refusal is one line at prepare,
# with nothing leased and no VF touched, and explain says the same.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb

# expect_refusal WHAT NAME XMLFILE PATTERN: prepare exits 1 with one line
# matching PATTERN, nothing leased, no VF changed.
expect_refusal() {
  local what=$1 name=$2 xml=$3 pattern=$4 err rc
  err=$(hook "$name" prepare begin "$xml" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] \
     && [[ "$err" == *"$pattern"* ]] && [ "$(lease_count)" = 0 ] && [ ! -s "$T/nl.log" ]; then
    ok "$what: $err"
  else
    not_ok "$what: rc=$rc leases=$(lease_count) message: $err"
  fi
}
clean() { rm -rf "$T/run/leases" "$T/nl.log" "$T/nl.log.d"; }

# ---- allow=: a UUID item is not a name ------------------------------------
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0" "allow=$(uuid_of 1 | tr a-f A-F)"
domain_xml "$(uuid_of 1)" 2 'pool="tenant"' > "$T/impostor.xml"
expect_refusal "a domain named like the allowed UUID is refused" "$(uuid_of 1)" \
  "$T/impostor.xml" "pool 'tenant' does not allow this domain"
domain_xml vm-a 1 'pool="tenant"' > "$T/a.xml"
check "the domain with that UUID is allowed" hook vm-a prepare begin "$T/a.xml"
stop_domain vm-a "$T/a.xml"; clean

# ---- binding knobs (the issue's example) ------------------------------------
POOL_FILE=tenant.conf pool "[pool tenant-a]" "pfs=ens1f0" "vlan=100" "spoofchk=on" \
  "trust=off" "max-tx-rate=1000"
domain_xml web1 1 'pool="tenant-a" vlan="0" spoofchk="off" trust="on" max-tx-rate="0"' > "$T/w.xml"
expect_refusal "a request cannot undo the pool's vlan" web1 "$T/w.xml" \
  "domain 'web1' nic 0: pool 'tenant-a' fixes vlan=100; the request asks vlan=0 (list vlan in the pool's overridable= to allow it)"
domain_xml web1 1 'pool="tenant-a" trust="on"' > "$T/t.xml"
expect_refusal "nor its trust" web1 "$T/t.xml" \
  "domain 'web1' nic 0: pool 'tenant-a' fixes trust=off; the request asks trust=on"
err=$(VFPOOL_LIBVIRT_URI=test:///default "$CTL" explain --xml "$T/w.xml" 2>&1 >/dev/null); rc=$?
check "explain refuses it the same way (rc=$rc: $err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == *\"pool 'tenant-a' fixes vlan=100; the request asks vlan=0\"* ]]"
domain_xml web1 1 'pool="tenant-a" vlan="100" spoofchk="on"' > "$T/same.xml"
check "repeating the pool's values starts" hook web1 prepare begin "$T/same.xml"
check "  with the pool's VLAN" test "$(vf_state ens1f0 0 vlan)" = 100
check "  and rate" test "$(vf_state ens1f0 0 max-tx-rate)" = 1000
stop_domain web1 "$T/same.xml"; clean

POOL_FILE=tenant.conf pool "[pool tenant-a]" "pfs=ens1f0" "vlan=100" "spoofchk=on" \
  "trust=off" "max-tx-rate=1000" "overridable=vlan,spoofchk;trust, max-tx-rate"
check "overridable= lets the request change them" hook web1 prepare begin "$T/w.xml"
check "  the request's VLAN is applied" test "$(vf_state ens1f0 0 vlan)" = 0
check "  the request's trust is applied" test "$(vf_state ens1f0 0 trust)" = on
stop_domain web1 "$T/w.xml"; clean

# ---- vlans= -----------------------------------------------------------------
POOL_FILE=tenant.conf pool "[pool tenant-a]" "pfs=ens1f0" "vlans=100-199,300"
domain_xml web1 1 'pool="tenant-a" vlan="150"' > "$T/in.xml"
check "a VLAN inside vlans= starts" hook web1 prepare begin "$T/in.xml"
check "  on that VLAN" test "$(vf_state ens1f0 0 vlan)" = 150
stop_domain web1 "$T/in.xml"; clean
domain_xml web1 1 'pool="tenant-a" vlan="200"' > "$T/out.xml"
expect_refusal "a VLAN outside vlans= is refused" web1 "$T/out.xml" \
  "domain 'web1' nic 0: pool 'tenant-a' allows only vlans=100-199,300; the request asks vlan=200"

# ---- config errors ------------------------------------------------------------
POOL_FILE=tenant.conf pool "[pool tenant-a]" "pfs=ens1f0" "overridable=colour"
expect_refusal "unknown overridable= knob" web1 "$T/in.xml" \
  "tenant.conf: [pool tenant-a] overridable=colour: unknown knob 'colour'"
POOL_FILE=tenant.conf pool "[pool tenant-a]" "pfs=ens1f0" "vlan=100" "vlans=200-299"
expect_refusal "a pool vlan= outside its own vlans=" web1 "$T/in.xml" \
  "tenant.conf: [pool tenant-a] vlan=100: not in the pool's vlans=200-299"

finish
