#!/bin/bash
# nonroot.sh: vfpoolctl run by a user other than root says in one line that
# it needs root (exit 3, vfpoolctl(8)) and never suggests chown'ing or
# removing the state dir: removing it would lease every VF a second time.
# Help needs no root.  The test seam: a VFPOOL_STATE_DIR the caller owns.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

if [ "$(id -u)" != 0 ] || ! id nobody >/dev/null 2>&1; then
  echo "# skipped: needs root and a user 'nobody' to switch to"
  finish; exit
fi
# as_nobody CMD...: CMD as uid/gid nobody, with the scenario's environment.
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
chmod 0755 "$T"     # so nobody reaches the fake sysfs and config

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-1"
domain_xml d1 1 'pool="tenant"' > "$T/d1.xml"
start_plain d1 "$T/d1.xml"

for cmd in status reconcile "release d1" "quarantine list" metrics "explain d1"; do
  err=$(as_nobody "$CTL" $cmd 2>&1 >/dev/null); rc=$?
  check "$cmd as nobody: exit 3 (needs root): $err" test "$rc" = 3
  check "$cmd as nobody: one line naming root" \
    bash -c '[ "$(printf "%s\n" "$1" | wc -l)" = 1 ] && [[ "$1" == *"needs root"* ]]' _ "$err"
  check "$cmd as nobody: suggests neither chown nor removing" \
    bash -c '[[ "$1" != *chown* && "$1" != *remove* && "$1" != *"rm "* ]]' _ "$err"
done
check "the lease survived" test "$(lease_of d1)" = 0000:01:10.0
for args in --help help "status --help"; do
  check "vfpoolctl $args as nobody: exit 0" bash -c "$(declare -f as_nobody); as_nobody '$CTL' $args >/dev/null"
done

# The seam: nobody's own state dir.
mkdir -m 0700 "$T/mine"; chown nobody "$T/mine"
out=$(VFPOOL_STATE_DIR="$T/mine" as_nobody "$CTL" status 2>&1); rc=$?
check "status as nobody on nobody's VFPOOL_STATE_DIR works ($rc)" test "$rc" = 0
check "... and lists the pool" bash -c '[[ "$1" == *tenant*free* ]]' _ "$out"
# ... but a leases/ inside it that is root's: no advice to chown or remove it.
mkdir -m 0700 "$T/mine/leases"
err=$(VFPOOL_STATE_DIR="$T/mine" as_nobody "$CTL" reconcile 2>&1 >/dev/null); rc=$?
check "reconcile as nobody, leases/ owned by root: refused ($rc)" test "$rc" = 1
check "... saying to run as root: $err" bash -c '[[ "$1" == *"run vfpool as root"* ]]' _ "$err"
check "... not to chown or remove it" bash -c '[[ "$1" != *"chown"* && "$1" != *"remove it"* ]]' _ "$err"

finish
