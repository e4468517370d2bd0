#!/bin/bash
# broken-pool.sh: one broken pool (bad file, SR-IOV turned off on its PF,
# unsafe file) refuses only its own domains, with the reason; the other
# pools keep working and status, metrics and doctor say what is broken.  An
# unsafe pools.d refuses every pool.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host numa2
POOL_FILE=alpha.conf pool "[pool alpha]" "pfs=ens1f0"
POOL_FILE=beta.conf pool "[pool beta]" "pfs=ens4f0"
domain_xml web 1 'pool="alpha"' > "$T/web.xml"
domain_xml db 2 'pool="beta"' > "$T/db.xml"

# refused NAME XMLFILE PATTERN: prepare exits 1 with one line matching PATTERN.
refused() {
  local err rc
  err=$(hook "$1" prepare begin "$2" 2>&1 >/dev/null); rc=$?
  [ "$rc" = 1 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] && [[ "$err" == *"$3"* ]] \
    || { echo "    rc=$rc: $err"; return 1; }
  echo "    $err"
}
# starts NAME XMLFILE: prepare leases a VF; stop it again.
starts() { hook "$1" prepare begin "$2" && [ -n "$(lease_of "$1")" ] && stop_domain "$1" "$2"; }

# ---- SR-IOV turned off on beta's PF -----------------------------------------
echo 0 > "$T/sys/class/net/ens4f0/device/sriov_numvfs"
rm -f "$T"/sys/class/net/ens4f0/device/virtfn*
check "alpha's domain still starts" starts web "$T/web.xml"
check "beta's domain is refused with the reason" refused db "$T/db.xml" \
  "domain 'db' nic 0: pool 'beta' is broken: $T/etc/pools.d/beta.conf: [pool beta] pfs=ens4f0: "
check "  which says how to enable VFs" refused db "$T/db.xml" "sriov_numvfs"
check "  and nothing was leased for it" test -z "$(lease_of db)"
"$CTL" status > "$T/status.out" 2> "$T/status.err"; rc=$?
check "status exits 0 with one pool broken (rc=$rc)" test "$rc" = 0
check "  lists alpha's VFs" grep -q "^alpha " "$T/status.out"
check "  and says beta is broken" grep -q "pool 'beta' is broken: .*sriov_numvfs" "$T/status.err"
"$CTL" status --json > "$T/status.json"; rc=$?
check "status --json exits 0 and lists beta as broken (rc=$rc)" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
assert [b['pool'] for b in d['broken']] == ['beta'] and 'sriov_numvfs' in d['broken'][0]['reason']
assert {v['pool'] for v in d['vfs']} == {'alpha'}" "$T/status.json"
"$CTL" metrics > "$T/metrics.out" 2>/dev/null; rc=$?
check "metrics exits 0 (rc=$rc)" test "$rc" = 0
check "  vfpool_pool_broken has HELP and TYPE" grep -q "^# TYPE vfpool_pool_broken gauge" "$T/metrics.out"
check "  beta is broken" grep -qx 'vfpool_pool_broken{pool="beta"} 1' "$T/metrics.out"
check "  alpha is not" grep -qx 'vfpool_pool_broken{pool="alpha"} 0' "$T/metrics.out"
check "  alpha still has its VFs counted" grep -qx 'vfpool_pool_vfs{pool="alpha"} 4' "$T/metrics.out"
mkdir -p "$T/root"
"$CTL" doctor --json --no-libvirt --root "$T/root" > "$T/doctor.json"
check "doctor fails config for beta and passes alpha" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
c=[x for x in d['checks'] if x['id']=='config']
assert any(x['status']=='fail' and \"pool 'beta' is broken\" in x['saw'] for x in c), c
assert any(x['status']=='pass' and 'alpha' in x['saw'] for x in c), c" "$T/doctor.json"
rm -rf "$T/sys"; make_host numa2

# ---- a file that is not a key file ------------------------------------------
POOL_FILE=beta.conf pool "[pool beta]" "pfs=ens4f0" "this line is not a key"
check "a garbled file: alpha's domain still starts" starts web "$T/web.xml"
check "  beta's domain is refused naming the file" refused db "$T/db.xml" \
  "domain 'db' nic 0: pool 'beta' is broken: $T/etc/pools.d/beta.conf"
check "  status exits 0" "$CTL" status
POOL_FILE=beta.conf pool "[pool beta]" "pfs=ens4f0"
check "fixed: beta's domain starts again" starts db "$T/db.xml"

# ---- unsafe pool files and pools.d ------------------------------------------
cp "$T/etc/pools.d/beta.conf" "$T/beta-elsewhere.conf"
chown nobody "$T/beta-elsewhere.conf"
rm "$T/etc/pools.d/beta.conf"
ln -s "$T/beta-elsewhere.conf" "$T/etc/pools.d/beta.conf"
check "a .conf symlinked to nobody's file: beta refused" refused db "$T/db.xml" \
  "pool 'beta' is broken: $T/etc/pools.d/beta.conf: is a symlink to a file that is owned by uid"
check "  alpha still starts" starts web "$T/web.xml"
rm "$T/etc/pools.d/beta.conf"
POOL_FILE=beta.conf pool "[pool beta]" "pfs=ens4f0"
chmod 0666 "$T/etc/pools.d/beta.conf"
check "a world-writable .conf: beta refused" refused db "$T/db.xml" "is world-writable (mode 0666)"
chmod 0644 "$T/etc/pools.d/beta.conf"

chmod 0777 "$T/etc/pools.d"
check "a world-writable pools.d refuses every pool" refused web "$T/web.xml" \
  "domain 'web' nic 0: pool 'alpha' is broken: $T/etc/pools.d is world-writable (mode 0777)"
"$CTL" status > /dev/null 2> "$T/status.err"; rc=$?
check "  status exits 1 (no pool usable) and says why (rc=$rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'world-writable' '$T/status.err'"
"$CTL" doctor --json --no-libvirt --root "$T/root" > "$T/doctor.json"
check "  doctor fails config" python3 -c "
import json,sys; d=json.load(open(sys.argv[1]))
c=[x for x in d['checks'] if x['id']=='config']
assert c[0]['status']=='fail' and 'world-writable' in c[0]['saw'], c" "$T/doctor.json"
chmod 0755 "$T/etc/pools.d"
check "pools.d fixed: alpha starts" starts web "$T/web.xml"

finish
