#!/bin/bash
# migrate.sh: `migrate begin` on the destination host, through the installed
# hook: the incoming XML of a failover domain names the source host's VF; the
# hook leases a VF of the same-named pool here and re-points the device
# (stdout replaces the XML), keeps the address when it is a free VF of the
# pool here, refuses in one line with nothing reserved (exhausted pool, no
# such pool, allow=), and frees what it reserved when the migration is
# aborted (libvirt's release end on the destination).  This host's pool is
# VFs 2-3: the source's VF 0 is not in it.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=fo.conf pool "[pool fo]" "pfs=ens1f0#2-3" "failover=yes" "failover-network=tn" \
  "allow=web*"
MAC=52:54:00:00:00:01
lease_state() { sed -n 's/^state=//p' "$T/run/leases/$1" 2>/dev/null; }

# The XML the source sends: what inject writes on the source for its VF 0
# (a pool of VF 0-1 there), made here with a temporary pool of VF 0-1.
POOL_FILE=fo.conf pool "[pool fo]" "pfs=ens1f0#0-1" "failover=yes" "failover-network=tn"
domain_xml web1 1 "pool=\"fo\" mac=\"$MAC\"" > "$T/web1.xml"
"$CTL" inject < "$T/web1.xml" > "$T/incoming.xml"
"$CTL" release --force web1 > /dev/null 2>&1
POOL_FILE=fo.conf pool "[pool fo]" "pfs=ens1f0#2-3" "failover=yes" "failover-network=tn" \
  "allow=web*"
check "the incoming XML names the source's VF 0 as a failover interface" \
  bash -c "grep -q 'function=\"0x0\"' '$T/incoming.xml' && grep -q 'teaming type=\"transient\"' '$T/incoming.xml' && [ '$(lease_count)' = 0 ]"

# ---- 1. re-pointed to a VF of this host's pool -------------------------------
hook web1 migrate begin "$T/incoming.xml" > "$T/in1.xml"; rc=$?
check "migrate begin: exit 0 (rc=$rc)" test "$rc" = 0
check "  stdout is the XML with the VF re-pointed to this host's VF 2" \
  bash -c "grep -q 'bus=\"0x01\" slot=\"0x10\" function=\"0x4\"' '$T/in1.xml' && ! grep -q 'function=\"0x0\"' '$T/in1.xml'"
check "  teaming, standby and request kept" \
  bash -c "grep -q 'persistent=\"ua-vfpool-sb0\"' '$T/in1.xml' && grep -q '<source network=\"tn\"/>' '$T/in1.xml' && grep -q 'urn:vfpool:domain:1' '$T/in1.xml'"
check "  VF 2 reserved for web1" \
  test "$(lease_of web1)" = 0000:01:10.4 -a "$(lease_state 0000:01:10.4)" = reserved
hook web1 prepare begin "$T/in1.xml"; rc=$?
check "prepare begin (the incoming QEMU) takes it over and configures it (rc=$rc)" \
  test "$rc" = 0 -a "$(lease_state 0000:01:10.4)" = configured
check "  with the request's MAC on VF 2" test "$(vf_state ens1f0 2 mac)" = $MAC
hook web1 started begin "$T/in1.xml"
check "  nothing hot-plugged (the device is in the XML)" \
  bash -c "! grep -q '^attach $(uuid_of 1) ' '$T/attach.log' 2>/dev/null"

# ---- 1b. status tells a domain libvirt is migrating in or out --------------------
# (the record seam plays libvirt's job: attach.log.migrating, "NAME in|out")
vf_row() { "$CTL" status | awk -v pci="$1" '$4 == pci'; }
vf_migration() {
  "$CTL" status --json | python3 -c 'import json, sys
print([v["migration"] for v in json.load(sys.stdin)["vfs"] if v["pci"] == sys.argv[1]][0])' "$1"
}
row=$(vf_row 0000:01:10.4); mig=$(vf_migration 0000:01:10.4)
check "status: web1 not migrating: STATE leased, JSON migration none ($row; $mig)" \
  bash -c "[[ \"\$1\" == *' leased '*web1* ]] && [ '$mig' = none ]" _ "$row"
echo "web1 in" > "$T/attach.log.migrating"
row=$(vf_row 0000:01:10.4); mig=$(vf_migration 0000:01:10.4)
check "status: web1 migrating in: STATE migrating-in, JSON migration in ($row; $mig)" \
  bash -c "[[ \"\$1\" == *' migrating-in '*web1* ]] && [ '$mig' = in ]" _ "$row"
echo "web1 out" > "$T/attach.log.migrating"
row=$(vf_row 0000:01:10.4); mig=$(vf_migration 0000:01:10.4)
check "status: web1 migrating out: STATE migrating-out, JSON migration out ($row; $mig)" \
  bash -c "[[ \"\$1\" == *' migrating-out '*web1* ]] && [ '$mig' = out ]" _ "$row"
check "  a free VF has no migration (JSON null)" test "$(vf_migration 0000:01:10.6)" = None
rm -f "$T/attach.log.migrating"
# libvirt out of reach (libvirtd down): status still shows every lease, the
# migration unknown (null), exit 0.
out=$(VFPOOL_LIBVIRT_URI="qemu+unix:///system?socket=$T/no-such.sock" "$CTL" status --json 2>&1); rc=$?
check "status without libvirt: exit 0, the lease shown, migration null (rc=$rc)" \
  python3 -c 'import json, sys
v = [v for v in json.loads(sys.argv[1])["vfs"] if v["pci"] == "0000:01:10.4"][0]
sys.exit(not (v["owner"] == "web1" and v["migration"] is None))' "$out"

# ---- 2. migrated back in later: its address is a free VF of the pool: kept -----
stop_domain web1 "$T/in1.xml"
out=$(hook web1 migrate begin "$T/in1.xml"); rc=$?
check "an address that is a free pool VF here is kept: exit 0, no output (rc=$rc)" \
  test "$rc" = 0 -a -z "$out"
check "  VF 2 reserved again" test "$(lease_state 0000:01:10.4)" = reserved

# ---- 3. the migration is aborted: the destination's release end frees it ------
stop_domain web1 "$T/in1.xml"
check "abort: no lease left, VF 2's MAC back" \
  test "$(lease_count)" = 0 -a "$(vf_state ens1f0 2 mac)" = 00:00:00:00:00:00

# ---- 4. refusals: one line, exit 1, nothing reserved ---------------------------
domain_xml db1 2 'pool="fo"' | sed 's/db1/web-db1/' > "$T/db1.xml"
domain_xml db2 3 'pool="fo"' | sed 's/db2/web-db2/' > "$T/db2.xml"
start_plain web-db1 "$T/db1.xml"; start_plain web-db2 "$T/db2.xml"
err=$(hook web1 migrate begin "$T/incoming.xml" 2>&1 >"$T/out"); rc=$?
check "pool exhausted here: exit 1, one line naming domain, nic and pool ($err)" \
  bash -c "[ $rc = 1 ] && [[ \$(wc -l <<< \"\$1\") == 1 && \"\$1\" == \"vfpool: migrate: \"*\"domain 'web1' nic 0\"*\"pool 'fo' has no free VF\"* ]]" _ "$err"
check "  nothing on stdout, nothing reserved for web1" \
  bash -c "[ ! -s '$T/out' ] && [ -z '$(lease_of web1)' ] && [ $(lease_count) = 2 ]"
stop_domain web-db1 "$T/db1.xml"; stop_domain web-db2 "$T/db2.xml"

sed 's/<name>web1</<name>db9</' "$T/incoming.xml" > "$T/db9.xml"
err=$(hook db9 migrate begin "$T/db9.xml" 2>&1 >"$T/out"); rc=$?
check "allow= refuses db9 here: exit 1, one line ($err)" \
  bash -c "[ $rc = 1 ] && [[ \$(wc -l <<< \"\$1\") == 1 && \"\$1\" == *db9* && \"\$1\" == *fo* ]] && [ ! -s '$T/out' ] && [ $(lease_count) = 0 ]" _ "$err"

sed 's/pool="fo"/pool="gone"/' "$T/incoming.xml" > "$T/gone.xml"
err=$(hook web1 migrate begin "$T/gone.xml" 2>&1 >"$T/out"); rc=$?
check "no such pool here: exit 1, one line naming it ($err)" \
  bash -c "[ $rc = 1 ] && [[ \$(wc -l <<< \"\$1\") == 1 && \"\$1\" == *gone* ]] && [ $(lease_count) = 0 ]" _ "$err"

printf '<domain><name>web1</name><metadata><vfpool:request xmlns:vfpool="urn:vfpool:domain:1">' > "$T/bad.xml"
err=$(hook web1 migrate begin "$T/bad.xml" 2>&1 >"$T/out"); rc=$?
check "broken incoming XML: exit 1, one line naming the domain ($err)" \
  bash -c "[ $rc = 1 ] && [[ \$(wc -l <<< \"\$1\") == 1 && \"\$1\" == *\"'web1'\"* ]] && [ ! -s '$T/out' ]" _ "$err"

domain_xml plain 4 > "$T/plain.xml"
out=$(hook plain migrate begin "$T/plain.xml"); rc=$?
check "a domain without vfpool: exit 0, no output, nothing reserved" \
  test "$rc" = 0 -a -z "$out" -a "$(lease_count)" = 0
finish
