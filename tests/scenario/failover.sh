#!/bin/bash
# failover.sh: failover nics (the VF as <interface type='hostdev'> with a
# transient teaming, paired with a virtio standby of the same MAC) on the
# boot-time path (inject) and the plain-start path (the hot-plug worker's
# record lines); managed save (stopped end + release end frees the VF) and
# restore begin through the installed hook: the saved VF when free, another
# one of the pool when it was taken, a one-line refusal with nothing left
# reserved when the pool is exhausted, and nothing at all for domains
# without vfpool devices.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=fo.conf pool "[pool fo]" "pfs=ens1f0#0-1" "failover=yes" "failover-network=tn" \
  "overridable=failover"
MAC=52:54:00:00:00:01

lease_state() { sed -n 's/^state=//p' "$T/run/leases/$1" 2>/dev/null; }
# attach_lines UUID: what the worker recorded for the domain, in order.
attach_lines() { grep "^attach $1 " "$T/attach.log" 2>/dev/null; }

# ---- 1. boot-time path: inject adds the VF interface and the standby --------
domain_xml web1 1 "pool=\"fo\" mac=\"$MAC\"" > "$T/web1.xml"
"$CTL" inject < "$T/web1.xml" > "$T/web1-live.xml"
check "inject: the VF is an interface with a transient teaming naming ua-vfpool-sb0" \
  bash -c "tr -d '\n ' < '$T/web1-live.xml' | grep -q '<interfacetype=\"hostdev\"managed=\"yes\"><macaddress=\"$MAC\"/>.*<teamingtype=\"transient\"persistent=\"ua-vfpool-sb0\"/><aliasname=\"ua-vfpool-0\"/>'"
check "inject: a virtio standby on network tn with teaming persistent and alias ua-vfpool-sb0" \
  bash -c "tr -d '\n ' < '$T/web1-live.xml' | grep -q '<interfacetype=\"network\"><macaddress=\"$MAC\"/><sourcenetwork=\"tn\"/><modeltype=\"virtio\"/><teamingtype=\"persistent\"/><aliasname=\"ua-vfpool-sb0\"/></interface>'"
# libvirt's own schema (libvirt0, a dependency of libvirt-dev) accepts it
RNG=/usr/share/libvirt/schemas/domain.rng
check "inject: the XML with the pair validates against libvirt's domain.rng" \
  xmllint --noout --relaxng "$RNG" "$T/web1-live.xml"
check "inject: the same MAC on both" test "$(grep -o "mac address=\"$MAC\"" "$T/web1-live.xml" | wc -l)" = 2
out=$(VFPOOL_LIBVIRT_URI=test:///default "$CTL" explain --xml "$T/web1.xml")
check "explain says it is a failover pair, with the network and MAC" \
  grep -qF "note: failover pair: the VF as <interface type='hostdev'> with a virtio standby on network 'tn', both MAC $MAC" <<< "$out"
check "inject reserved VF 0 for web1" test "$(lease_of web1)" = 0000:01:10.0
check "the lease remembers the standby's network" grep -qx "failover-network=tn" "$T/run/leases/0000:01:10.0"
"$CTL" inject < "$T/web1-live.xml" > "$T/web1-again.xml"
check "inject of an XML with the pair adds no second standby" \
  test "$(grep -c 'ua-vfpool-sb0"/>' "$T/web1-again.xml")" = "$(grep -c 'ua-vfpool-sb0"/>' "$T/web1-live.xml")"
check "web1 starts with the injected XML" start_plain web1 "$T/web1-live.xml"
check "prepare configured the VF with the MAC" test "$(vf_state ens1f0 0 mac)" = $MAC
check "nothing hot-plugged for web1 (its devices are in the XML)" test -z "$(attach_lines "$(uuid_of 1)")"
"$CTL" status --json > "$T/status.json"
check "status --json: web1's VF is an interface, a failover pair on network tn" python3 -c "
import json, sys
vf = [v for v in json.load(open(sys.argv[1]))['vfs'] if v['owner'] == 'web1'][0]
assert (vf['form'], vf['failover_network']) == ('interface', 'tn'), vf
free = [v for v in json.load(open(sys.argv[1]))['vfs'] if v['owner'] is None][0]
assert (free['form'], free['failover_network']) == (None, None), free" "$T/status.json"

# ---- 2. managed save: libvirt stops the domain; release end frees the VF ----
stop_domain web1 "$T/web1-live.xml"
check "managed save: release end freed web1's VF" test -z "$(lease_of web1)"
check "managed save: the VF's MAC is back" test "$(vf_state ens1f0 0 mac)" = 00:00:00:00:00:00

# ---- 3. restore begin, the saved VF is free: same VF, XML unchanged ---------
out=$(hook web1 restore begin "$T/web1-live.xml"); rc=$?
check "restore, saved VF free: exit 0 and no output (rc=$rc)" test "$rc" = 0 -a -z "$out"
check "restore reserved the saved VF for web1" \
  test "$(lease_of web1)" = 0000:01:10.0 -a "$(lease_state 0000:01:10.0)" = reserved
check "prepare takes the reservation over" hook web1 prepare begin "$T/web1-live.xml"
check "the VF is configured for web1" test "$(lease_state 0000:01:10.0)" = configured
stop_domain web1 "$T/web1-live.xml"

# ---- 4. the saved VF went to another domain: re-pointed to a free one -------
domain_xml db1 2 'pool="fo" failover="no"' > "$T/db1.xml"
check "db1 (failover=no overrides the pool) takes VF 0" start_plain db1 "$T/db1.xml"
check "db1 holds VF 0" test "$(lease_of db1)" = 0000:01:10.0
hook web1 restore begin "$T/web1-live.xml" > "$T/web1-restored.xml"; rc=$?
check "restore, saved VF taken: exit 0 (rc=$rc)" test "$rc" = 0
check "restore output is the XML with the VF re-pointed to VF 1" \
  grep -q "bus=\"0x01\" slot=\"0x10\" function=\"0x2\"" "$T/web1-restored.xml"
check "the re-pointed XML keeps the teaming and the standby" \
  bash -c "grep -q 'persistent=\"ua-vfpool-sb0\"' '$T/web1-restored.xml' && grep -q '<source network=\"tn\"/>' '$T/web1-restored.xml'"
check "the re-pointed XML keeps the request" grep -q "urn:vfpool:domain:1" "$T/web1-restored.xml"
check "VF 1 is reserved for web1, db1 keeps VF 0" \
  test "$(lease_of web1)" = 0000:01:10.2 -a "$(lease_state 0000:01:10.2)" = reserved -a "$(lease_of db1)" = 0000:01:10.0
check "prepare on the restored XML takes VF 1 over" hook web1 prepare begin "$T/web1-restored.xml"
stop_domain web1 "$T/web1-restored.xml"

# ---- 5. pool exhausted: one line, exit 1, nothing reserved -----------------
domain_xml db2 3 'pool="fo" failover="no"' > "$T/db2.xml"
start_plain db2 "$T/db2.xml"
err=$(hook web1 restore begin "$T/web1-live.xml" 2>&1 >"$T/out"); rc=$?
check "restore, pool exhausted: exit 1 (rc=$rc)" test "$rc" = 1
check "the refusal is one line naming domain, nic and pool ($err)" \
  bash -c "[[ \$(wc -l <<< \"$err\") == 1 && \"$err\" == *\"domain 'web1' nic 0\"*\"pool 'fo' has no free VF\"* ]]"
check "nothing on stdout" test ! -s "$T/out"
check "nothing reserved for web1" test -z "$(lease_of web1)"
check "db1 and db2 keep their VFs" test "$(lease_count)" = 2

# ---- 6. domains restore leaves alone ---------------------------------------
domain_xml plain 4 > "$T/plain.xml"
out=$(hook plain restore begin "$T/plain.xml"); rc=$?
check "restore of a domain without vfpool: exit 0, no output" test "$rc" = 0 -a -z "$out"
stop_domain db2 "$T/db2.xml"
out=$(hook web1 restore begin "$T/web1.xml"); rc=$?
check "restore of a request without saved devices: exit 0, no output" test "$rc" = 0 -a -z "$out"
check "... and nothing reserved" test -z "$(lease_of web1)"

# ---- 7. plain start: the worker attaches the standby, then the VF -----------
domain_xml web2 5 'pool="fo"' > "$T/web2.xml"
check "web2 plain start with a failover nic" start_plain web2 "$T/web2.xml"
check "the worker attached two devices for web2" wait_for "$T/attach.log" "attach $(uuid_of 5) .*<interface type=\"hostdev\""
lines=$(attach_lines "$(uuid_of 5)")
check "first the standby (network tn, teaming persistent, alias ua-vfpool-sb0)" \
  bash -c "head -1 <<< '$lines' | grep -q '<interface type=\"network\">.*<source network=\"tn\"/>.*<teaming type=\"persistent\"/>.*ua-vfpool-sb0'"
check "then the VF with teaming transient naming it" \
  bash -c "sed -n 2p <<< '$lines' | grep -q '<interface type=\"hostdev\" managed=\"yes\">.*<teaming type=\"transient\" persistent=\"ua-vfpool-sb0\"/>.*ua-vfpool-0'"
mac=$(sed -n 's/^mac=//p' "$T/run/leases/$(lease_of web2)" | head -1)
check "standby and VF carry the nic's (derived) MAC $mac" \
  test "$(grep -o "mac address=\"$mac\"" <<< "$lines" | wc -l)" = 2
sed "s|</devices>|$(sed 's/^attach [^ ]* //' <<< "$lines" | tr -d '\n')</devices>|" "$T/web2.xml" \
  > "$T/web2-plugged.xml"
check "the two attached devices, in the domain, validate against libvirt's domain.rng" \
  xmllint --noout --relaxng "$RNG" "$T/web2-plugged.xml"
check "db1 (failover=no) was plugged without teaming or standby" \
  bash -c "grep -q '^attach $(uuid_of 2) ' '$T/attach.log' && ! grep '^attach $(uuid_of 2) ' '$T/attach.log' | grep -q -e teaming -e 'type=\"network\"'"

# ---- 8. guard: an interface with the MAC that is no standby -----------------
sed "s|</devices>|<interface type='network'><mac address='$MAC'/><source network='default'/></interface></devices>|" \
  "$T/web1.xml" > "$T/web1-dup.xml"
err=$(hook web1 prepare begin "$T/web1-dup.xml" 2>&1 >/dev/null); rc=$?
check "an interface with the failover MAC but no teaming: prepare refused ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == *\"domain 'web1' nic 0: interface with MAC $MAC is not a failover standby\"* ]]"
check "... and nothing leased" test -z "$(lease_of web1)"
stop_domain web1 "$T/web1-dup.xml"

# ---- 9. guard: a pool's failover= binds unless overridable= lists it ---------
POOL_FILE=strict.conf pool "[pool strict]" "pfs=ens1f0#2-3" "failover=yes"
domain_xml web3 6 'pool="strict" failover="no"' > "$T/web3.xml"
err=$(hook web3 prepare begin "$T/web3.xml" 2>&1 >/dev/null); rc=$?
check "failover=no against a pool's binding failover=yes: refused ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == *\"domain 'web3' nic 0: pool 'strict' fixes failover=yes; the request asks failover=no (list failover in the pool's overridable= to allow it)\" ]]"
check "... and nothing leased" test -z "$(lease_of web3)"
stop_domain web3 "$T/web3.xml"
domain_xml web4 7 'pool="strict" failover="maybe"' > "$T/web4.xml"
err=$(hook web4 prepare begin "$T/web4.xml" 2>&1 >/dev/null); rc=$?
check "failover=\"maybe\": refused in one line naming domain, nic and value ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == \"vfpool: domain 'web4' nic 0: failover 'maybe' is not yes or no\" ]]"
stop_domain web4 "$T/web4.xml"
finish
