#!/bin/bash
# bad-input.sh: every bad input refuses prepare begin with exit 1 and one
# clear stderr line naming what is wrong — and leaves no lease and no VF change.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0"

# expect_refusal WHAT XMLFILE PATTERN: exit 1, one line matching PATTERN,
# nothing leased, nothing changed on any VF.
expect_refusal() {
  local what=$1 xml=$2 pattern=$3 err rc
  err=$(hook bad prepare begin "$xml" 2>&1 >/dev/null); rc=$?
  if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] \
     && [[ "$err" == *$pattern* ]] && [ "$(lease_count)" = 0 ] && [ ! -s "$T/nl.log" ]; then
    ok "$what: $err"
  else
    not_ok "$what: rc=$rc leases=$(lease_count) message: $err"
  fi
}

echo "<domain><name>bad</name><metadata xmlns:v='urn:vfpool:domain:1'>" > "$T/malformed.xml"
expect_refusal "malformed XML" "$T/malformed.xml" "not well-formed"

cat > "$T/dtd.xml" <<'X'
<!DOCTYPE domain [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<domain><name>bad</name><uuid>00000000-0000-4000-8000-000000000009</uuid>
<metadata><vfpool:request xmlns:vfpool='urn:vfpool:domain:1'><vfpool:nic pool="&b;"/></vfpool:request></metadata></domain>
X
expect_refusal "XML with a DTD and entities" "$T/dtd.xml" "DTD"

# libxml2's message for bytes that are not UTF-8 spans two lines; the
# refusal must still be one (found by fuzz-hookdata on the shared reader)
{ domain_xml bad 9 'pool="tenant"' | sed "s|<name>bad</name>|<name>b$(printf '\277')ad</name>|"; } > "$T/latin.xml"
expect_refusal "XML with bytes that are not UTF-8" "$T/latin.xml" "not proper UTF-8"

{ domain_xml bad 9 'pool="tenant"' | head -c 2000; head -c 10485760 /dev/zero | tr '\0' ' '; } > "$T/huge.xml"
expect_refusal "10 MB XML" "$T/huge.xml" "limit"

# The hook links libxml2 statically with ICU's converters stubbed out
# (hooks/vfp-no-icu.c): an encoding neither libxml2 nor iconv knows is
# refused with one line, not a crash; one iconv knows still parses.
{ echo '<?xml version="1.0" encoding="x-vfpool-no-such-charset"?>'; domain_xml bad 9 'pool="tenant"'; } > "$T/enc.xml"
expect_refusal "XML in an unknown encoding" "$T/enc.xml" "encoding"
{ echo '<?xml version="1.0" encoding="ISO-8859-15"?>'; domain_xml bad 9 'pool="tenant"'; } > "$T/latin9.xml"
err=$(hook bad prepare begin "$T/latin9.xml" 2>&1 >/dev/null); rc=$?
if [ "$rc" = 0 ] && [ "$(lease_count)" = 1 ]; then ok "XML in ISO-8859-15 (iconv) parses and leases"; else not_ok "ISO-8859-15: rc=$rc leases=$(lease_count) $err"; fi
hook bad release end "$T/latin9.xml" 2>/dev/null
[ "$(lease_count)" = 0 ] && : > "$T/nl.log"

domain_xml bad 9 'pool="nosuch"' > "$T/x.xml"
expect_refusal "unknown pool" "$T/x.xml" "unknown pool 'nosuch'"
domain_xml bad 9 'pool="tenant" vlan="4095"' > "$T/x.xml"
expect_refusal "VLAN 4095" "$T/x.xml" "vlan '4095'"
domain_xml bad 9 'pool="tenant" mac="01:00:5e:00:00:01"' > "$T/x.xml"
expect_refusal "multicast MAC" "$T/x.xml" "01:00:5e:00:00:01"
domain_xml bad 9 'pool="tenant" mac="52:54:00:zz:00:01"' > "$T/x.xml"
expect_refusal "malformed MAC" "$T/x.xml" "52:54:00:zz:00:01"
domain_xml bad 9 'pool="tenant" colour="blue"' > "$T/x.xml"
expect_refusal "unknown attribute" "$T/x.xml" "colour"

# A knob the driver rejects (data-driven fake failure): refused, rolled back.
echo "* rate EINVAL" > "$T/nl.log.rules"
domain_xml bad 9 'pool="tenant" vlan="5" min-tx-rate="100"' > "$T/x.xml"
err=$(hook bad prepare begin "$T/x.xml" 2>&1 >/dev/null); rc=$?
check "driver-rejected knob: exit 1 naming the knob ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == *rate*Invalid\ argument* ]]"
check "driver-rejected knob: no lease left" test "$(lease_count)" = 0
check "driver-rejected knob: VLAN set before it was undone" test "$(vf_state ens1f0 0 vlan)" = 0
check "driver-rejected knob: MAC undone" test "$(vf_state ens1f0 0 mac)" = 00:00:00:00:00:00
rm -f "$T/nl.log.rules" "$T/nl.log"; rm -rf "$T/nl.log.d"

# Duplicate PF in the pool config.
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;0000:01:00.0"
domain_xml bad 9 'pool="tenant"' > "$T/x.xml"
expect_refusal "duplicate PF in config" "$T/x.xml" "listed twice"
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0"

# Unreadable state dir (a file where the directory should be).
rm -rf "$T/run"; echo junk > "$T/run"
domain_xml bad 9 'pool="tenant"' > "$T/x.xml"
err=$(hook bad prepare begin "$T/x.xml" 2>&1 >/dev/null); rc=$?
check "unreadable state dir: exit 1, one line ($err)" \
  bash -c "[ $rc = 1 ] && [ \$(printf '%s\n' \"$err\" | wc -l) = 1 ] && [[ \"$err\" == *run* ]]"
check "unreadable state dir: no VF touched" test ! -s "$T/nl.log"
rm -f "$T/run"; mkdir -p "$T/run"

# No free hot-plug slot on q35 for the plain-start path: refused, with the fix.
domain_xml bad 9 'pool="tenant"' 'pool="tenant"' 'pool="tenant"' > "$T/x.xml"
expect_refusal "three VFs to hot-plug, two free root ports" "$T/x.xml" "pcie-root-port"

finish
