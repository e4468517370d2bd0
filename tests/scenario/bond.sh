#!/bin/bash
# bond.sh: nics of one domain that share bond= get VFs on distinct physical
# ports (two PFs with one phys_port_id are one port), on the plain start,
# on inject and in explain alike; a pool that cannot do it refuses the start
# in one line naming domain, nic, pool, bond and why.  Link-aware picks: a
# PF whose link is down is used last, never with require-link=yes; status,
# metrics and doctor show the links and ports.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

# Three PFs: ens1f0 and ens1f1 are two functions of one port, ens2f0 is a
# port of its own.
bash "$MKSYSFS" --phys-port-id ens1f0=00aa --phys-port-id ens1f1=00aa "$T/sys" trio
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0;ens1f1;ens2f0"

explain() { VFPOOL_LIBVIRT_URI=test:///default "$CTL" explain "$@"; }
# refused WHAT NAME XMLFILE MESSAGE: prepare exits 1 with exactly MESSAGE
# (one line), nothing leased for NAME, and explain says the same.
refused() {
  local what=$1 name=$2 xml=$3 want=$4 err rc out erc
  err=$(hook "$name" prepare begin "$xml" 2>&1 >/dev/null); rc=$?
  out=$(explain --xml "$xml" 2>&1); erc=$?
  if [ "$rc" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *"$want" ]] \
     && [ -z "$(lease_of "$name")" ] \
     && [ "$erc" = 1 ] && [[ "$out" == *"${want#*: }: the start would be refused"* ]]; then
    ok "$what: $err"
  else
    not_ok "$what: rc=$rc leases=$(lease_of "$name" | tr '\n' ' ') message: $err; explain rc=$erc: $out"
  fi
}

# ---- two nics, one bond: distinct ports, same answer everywhere ------------
domain_xml web 1 'pool="p" bond="b0"' 'pool="p" bond="b0"' > "$T/web.xml"
explain --json --xml "$T/web.xml" > "$T/explain.json"
check "explain picks ens1f0 and ens2f0 (not ens1f1: same port)" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
assert [n['vf'] for n in d['nics']] == ['0000:01:10.0', '0000:02:10.0'], d
assert not any(n['refused'] for n in d['nics'])
assert d['nics'][1]['reason'] == 'bond-port' and \"bond 'b0' already has nic 0\" in d['nics'][1]['why'], d
assert any(\"bond 'b0'\" in x for x in d['nics'][1]['notes']), d" "$T/explain.json"
check "the plain start leases the same VFs" start_plain web "$T/web.xml"
check "  nic 0 on ens1f0, nic 1 on ens2f0" \
  test "$(lease_of web | sort | tr '\n' ' ')" = "0000:01:10.0 0000:02:10.0 "
stop_domain web "$T/web.xml"
check "  released" test -z "$(lease_of web)"

check "inject places the bond the same way" \
  bash -c "'$CTL' inject < '$T/web.xml' > '$T/web-injected.xml'"
check "  leases on ens1f0 and ens2f0" \
  test "$(lease_of web | sort | tr '\n' ' ')" = "0000:01:10.0 0000:02:10.0 "
hook web release end "$T/web.xml"

# ---- a bond the pool cannot place -------------------------------------------
domain_xml big 2 'pool="p" bond="b0"' 'pool="p" bond="b0"' 'pool="p" bond="b0"' > "$T/big.xml"
# Three nics need three root ports for the plain start; inject needs none.
err=$("$CTL" inject < "$T/big.xml" 2>&1 >/dev/null); rc=$?
want="domain 'big' nic 2: pool 'p' cannot place bond 'b0' on distinct ports: only 2 ports with a free VF (ens1f0/ens1f1, ens2f0), and nic 0, nic 1 of the bond have them"
check "a bond of three on two ports is refused by inject ($err)" \
  bash -c "[ $rc = 1 ] && [ \"\$1\" = \"vfpoolctl: \$2\" ]" _ "$err" "$want"
check "  and nothing is left leased" test -z "$(lease_of big)"

POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0;ens1f1"
refused "a pool whose PFs are one port refuses a bond" web "$T/web.xml" \
  "domain 'web' nic 1: pool 'p' cannot place bond 'b0' on distinct ports: only one port with a free VF (ens1f0/ens1f1), and nic 0 of the bond has it"
domain_xml web2 3 'pool="p"' 'pool="p"' > "$T/web2.xml"
check "  the same nics without a bond start" start_plain web2 "$T/web2.xml"
stop_domain web2 "$T/web2.xml"

mkdir -p "$T/root"
"$CTL" doctor --json --no-libvirt --root "$T/root" > "$T/doctor.json"
check "doctor warns that pool p is on one port" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
c=[x for x in d['checks'] if x['id']=='pool-ports:p']
assert c and c[0]['status']=='warn' and 'one physical port' in c[0]['saw'], c" "$T/doctor.json"

# One PF exhausted: ens2f0 has a single pool VF, held by another domain.
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0;ens2f0#0"
domain_xml other 4 'pool="p"' 'pool="p"' > "$T/other.xml"
check "another domain takes ens2f0's only VF" start_plain other "$T/other.xml"
check "  (nic 1 on ens2f0)" test "$(lease_of other | sort | tr '\n' ' ')" = "0000:01:10.0 0000:02:10.0 "
refused "with one PF exhausted the bond is refused" web "$T/web.xml" \
  "domain 'web' nic 1: pool 'p' cannot place bond 'b0' on distinct ports: only one port with a free VF (ens1f0), and nic 0 of the bond has it"
stop_domain other "$T/other.xml"

# ---- links ----------------------------------------------------------------
rm -rf "$T/sys"
bash "$MKSYSFS" --operstate ens1f0=down --operstate ens1f1=up --carrier ens1f1=1 "$T/sys" demo
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0;ens1f1"
domain_xml one 5 'pool="p"' > "$T/one.xml"
out=$(explain --xml "$T/one.xml")
check "explain says the pick avoided the down PF" \
  bash -c "[[ \"\$1\" == *'[link-up]'* && \"\$1\" == *'avoided PF ens1f0: its link is down'* ]]" _ "$out"
check "the start takes ens1f1 (ens1f0 is first in pfs= but down)" start_plain one "$T/one.xml"
check "  VF 0000:01:10.1" test "$(lease_of one)" = 0000:01:10.1

"$CTL" status > "$T/status.txt"
check "status shows ens1f0's link down" grep -Eq '^p +ens1f0 +0000:01:00.0 +down +4/4 ' "$T/status.txt"
check "status shows ens1f1's link up, one VF in use" \
  grep -Eq '^p +ens1f1 +0000:01:00.1 +up +3/4 ' "$T/status.txt"
"$CTL" status --json > "$T/status.json"
check "status --json has the PF links" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
pfs={p['pf']:p for p in d['pfs']}
assert pfs['ens1f0']['link']=='down' and pfs['ens1f0']['free']==4, pfs
assert pfs['ens1f1']['link']=='up' and pfs['ens1f1']['free']==3 and pfs['ens1f1']['vfs']==4, pfs
assert {v['pf_link'] for v in d['vfs'] if v['pf']=='ens1f0'} == {'down'}" "$T/status.json"
"$CTL" metrics > "$T/metrics.txt"
check "metrics: HELP and TYPE of vfpool_pf_link_up" \
  grep -q '^# TYPE vfpool_pf_link_up gauge' "$T/metrics.txt"
check "metrics: ens1f0 down" grep -qx 'vfpool_pf_link_up{pool="p",pf="ens1f0"} 0' "$T/metrics.txt"
check "metrics: ens1f1 up" grep -qx 'vfpool_pf_link_up{pool="p",pf="ens1f1"} 1' "$T/metrics.txt"
check "metrics: HELP and TYPE of vfpool_pf_vfs_free" \
  grep -q '^# TYPE vfpool_pf_vfs_free gauge' "$T/metrics.txt"
check "metrics: free per PF" bash -c "grep -qx 'vfpool_pf_vfs_free{pool=\"p\",pf=\"ens1f0\"} 4' '$T/metrics.txt' && grep -qx 'vfpool_pf_vfs_free{pool=\"p\",pf=\"ens1f1\"} 3' '$T/metrics.txt'"
stop_domain one "$T/one.xml"

# Only the down PF: without require-link it still serves (last resort) ...
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0"
check "a pool of only a down PF still serves without require-link" start_plain one "$T/one.xml"
check "  on ens1f0" test "$(lease_of one)" = 0000:01:10.0
stop_domain one "$T/one.xml"
# ... and with require-link=yes it refuses.
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0" "require-link=yes"
refused "require-link=yes refuses a PF whose link is down" one "$T/one.xml" \
  "domain 'one' nic 0: pool 'p' has require-link=yes and its 4 free VFs are on PFs whose link is down (ens1f0)"
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0" "require-link=maybe"
err=$(hook one prepare begin "$T/one.xml" 2>&1 >/dev/null)
check "require-link=maybe is a config error" \
  bash -c "[[ \"\$1\" == *\"[pool p] require-link=maybe: require-link 'maybe' is not yes or no\"* ]]" _ "$err"

finish
