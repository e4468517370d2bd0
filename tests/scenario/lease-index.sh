#!/bin/bash
# lease-index.sh: the per-PF lease index (STATE_DIR/index/PF) through the
# installed hook: a start trusts the lease files over an index that lies
# either way (and repairs it), ignores one it cannot trust, and reconcile
# rebuilds it from the lease files.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host scale:1:4
POOL_FILE=p.conf pool "[pool p]" "pfs=ens1f0"
for i in 1 2 3 4 5; do domain_xml "d$i" "$i" 'pool="p"' > "$T/d$i.xml"; done
PF=$(basename "$(readlink "$T/sys/class/net/ens1f0/device")")
IDX="$T/run/index/$PF"
vf_of() { grep -h '^vf-index=' "$T/run/leases/$(lease_of "$1")"; }
# The index the lease files call for: "vfpool-index-1\nV" and a 1 per leased VF.
expected() {
  printf 'vfpool-index-1\nV'
  for i in 0 1 2 3; do
    grep -qx "vf-index=$i" "$T"/run/leases/* 2>/dev/null && printf 1 || printf 0
  done
}
lost() { awk -F= '/^lost-claims=/ { n += $2 } END { print n + 0 }' "$T/stats"; }

hook d1 prepare begin "$T/d1.xml"
check "first start builds the index: VF 0 leased" test "$(cat "$IDX")" = "$(printf 'vfpool-index-1\nV1000')"
check "index is 0600" test "$(stat -c %a "$IDX")" = 600

# An index that calls d1's VF free (a claim that died before its byte):
# the claim's link() refuses it, the start takes the next VF.
printf 'vfpool-index-1\nV0000' > "$IDX"
VFPOOL_STATS="$T/stats" hook d2 prepare begin "$T/d2.xml"
check "index calling a leased VF free: d2 still started" test -n "$(lease_of d2)"
check "... on another VF than d1's ($(vf_of d1), $(vf_of d2))" test "$(vf_of d1)" != "$(vf_of d2)"
check "... counted as a lost claim" test "$(lost)" = 1
check "... and the index repaired" test "$(cat "$IDX")" = "$(expected)"

# An index that calls every VF leased (lease files removed behind
# vfpool's back would do this): a start reads leases/ before refusing.
printf 'vfpool-index-1\nV1111' > "$IDX"
hook d3 prepare begin "$T/d3.xml"
check "index calling free VFs leased: d3 started" test -n "$(lease_of d3)"
check "... and the index repaired" test "$(cat "$IDX")" = "$(expected)"

# A planted symlink (to a valid-looking index that calls everything free):
# not followed, not written; the start lists leases/ and gets the free VF.
rm -f "$IDX"; printf 'vfpool-index-1\nV0000' > "$T/decoy"; chmod 600 "$T/decoy"
ln -s "$T/decoy" "$IDX"
hook d4 prepare begin "$T/d4.xml"
check "symlinked index: d4 started" test -n "$(lease_of d4)"
check "... the symlink's target untouched" test "$(cat "$T/decoy")" = "$(printf 'vfpool-index-1\nV0000')"
check "4 leases, 4 VFs: none leased twice" \
  test "$(grep -h '^vf-index=' "$T"/run/leases/* | sort -u | wc -l)" = 4
hook d5 prepare begin "$T/d5.xml" 2> "$T/d5.err"
check "the full pool refuses d5" grep -q "pool 'p' has no free VF" "$T/d5.err"

# reconcile rebuilds it from the lease files.
rm -f "$IDX"; expected > "$IDX"; chmod 600 "$IDX"
stop_domain d4 "$T/d4.xml"
check "release of d4 clears its byte" test "$(cat "$IDX")" = "$(expected)"
printf 'vfpool-index-1\nV0101' > "$IDX"
"$CTL" reconcile > /dev/null
ones=$(tail -c 4 "$IDX" | tr -cd 1 | wc -c)
check "reconcile: the index marks exactly the $(lease_count) leased VFs ($ones)" \
  test "$ones" = "$(lease_count)"
for d in d1 d2 d3; do
  i=${d#d}; v=$(vf_of "$d" 2>/dev/null | cut -d= -f2)
  [ -n "$v" ] && check "reconcile: VF $v of $d marked" test "$(tail -c 4 "$IDX" | cut -c$((v + 1)))" = 1
done
finish
