#!/bin/bash
# valgrind.sh: runs the installed hook's main paths under valgrind (memcheck, full leak check) on a simulated host.
#
# Usage: tests/valgrind.sh [BUILDDIR]
#   BUILDDIR   an already configured build tree to use (builds the hook and
#              installs it into BUILDDIR/tests/_valgrind_inst, removed after);
#              default: the source tree when it is configured in tree,
#              otherwise a build of its own in
#              ${VALGRIND_BUILDDIR:-${TMPDIR:-/tmp}/vfpool-valgrind}.
#
# Paths: a domain without a request, prepare begin (lease + configure),
# start begin, started begin (the detached hot-plug worker runs under
# valgrind too), reconnect begin, stopped end, release end, a refused prepare
# (pool exhausted), a malformed XML at prepare, a release of a domain that
# holds nothing, restore begin (saved VF free; saved VF taken and the pool
# exhausted), the hot-plug of a failover nic (standby, then VF) and the
# network hook (port-created, a second port refused, bad hook data,
# port-deleted).  Fails on any memcheck error or definitely/indirectly lost
# block in any of these processes, or when a path does not do its job.
set -euo pipefail

SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "valgrind.sh: $*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"

t0=$(date +%s)
if [ $# -ge 1 ] || [ -f "$SRCDIR/config.status" ]; then
  # given, or the source tree is configured in tree (./bootstrap.sh, as CI
  # does) and so cannot be configured out of tree: use that build
  BUILD=$(cd "${1:-$SRCDIR}" && pwd)
  [ -f "$BUILD/Makefile" ] || die "$BUILD is not a configured build tree"
else
  BUILD=${VALGRIND_BUILDDIR:-${TMPDIR:-/tmp}/vfpool-valgrind}
  [ -x "$SRCDIR/configure" ] || (cd "$SRCDIR" && autoreconf -fi) || die "cannot generate configure"
  mkdir -p "$BUILD"
  if [ ! -f "$BUILD/Makefile" ]; then
    # -O1 -g: line numbers in reports, and no -O2 tricks that confuse memcheck
    (cd "$BUILD" && "$SRCDIR/configure" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
       CFLAGS="-g -O1" > configure.log 2>&1) || { tail -30 "$BUILD/configure.log"; die "configure failed"; }
  fi
fi
# Only the hook and its hot-plug worker are needed: build and install just
# those (into a tree of our own, so make check's tests/_inst is left alone).
# The hook linked dynamically: memcheck cannot follow the heap of the
# static one (hooks/vfpool-hook-dynamic is the same code).
INST=$BUILD/tests/_valgrind_inst
rm -rf "$INST"
make -C "$BUILD" -j"$(nproc)" hooks/vfpool-hook-dynamic hooks/vfpool-hotplug > "$INST.log" 2>&1 \
  || { tail -30 "$INST.log"; die "build failed"; }
t_build=$(( $(date +%s) - t0 ))

hookdir=$(make -s -C "$BUILD" --no-print-directory -f Makefile -f - print-hookdir <<'EOF'
print-hookdir: ; @echo $(hookdir)
EOF
)
sbindir=$(make -s -C "$BUILD" --no-print-directory -f Makefile -f - print-sbindir <<'EOF'
print-sbindir: ; @echo $(sbindir)
EOF
)
{ install -D -m 0755 "$BUILD/hooks/vfpool-hook-dynamic" "$INST$sbindir/vfpool-hook" \
  && install -D -m 0755 "$BUILD/hooks/vfpool-hotplug" "$INST$sbindir/vfpool-hotplug"; } \
  || die "install failed"
export VFP_TOP_SRCDIR=$SRCDIR VFP_INST=$INST VFP_HOOKDIR=$hookdir VFP_SBINDIR=$sbindir
# shellcheck source=scenario/lib.sh
. "$SRCDIR/tests/scenario/lib.sh"

# lib.sh's hook() runs "$HOOK" with libvirt's bare environment; point it at a
# wrapper that runs the real hook under valgrind.  One log per process (%p):
# the hook, its first fork and the detached worker (exec'ed: traced into)
# each get theirs.
REAL_HOOK=$HOOK
VG_LOGS=$T/vg
mkdir -p "$VG_LOGS"
HOOK=$T/hook-under-valgrind
cat > "$HOOK" <<EOF
#!/bin/sh
# GLib: plain malloc and cleared pointers, so memcheck sees real ownership.
G_SLICE=always-malloc G_DEBUG=gc-friendly exec valgrind --trace-children=yes --leak-check=full \\
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
  --error-exitcode=1 --track-origins=yes --num-callers=30 \\
  --log-file="$VG_LOGS/%p.log" "$REAL_HOOK" "\$@"
EOF
chmod +x "$HOOK"

# From here on a failing step is a test result, not a reason to stop early.
set +e
make_host demo || die "mksysfs failed"
POOL_FILE=a.conf
pool '[pool a]' 'pfs=ens1f0#0' 'spoofchk=on'
domain_xml web1 1 "pool='a' vlan='100'" > "$T/web1.xml"
domain_xml web2 2 "pool='a'" > "$T/web2.xml"
domain_xml plain 3 > "$T/plain.xml"
printf '<domain><name>bad</name><metadata xmlns:v="urn:vfpool:domain:1">' > "$T/bad.xml"

check "no request: prepare begin exits 0" hook plain prepare begin "$T/plain.xml"
check "no request: release end exits 0" hook plain release end "$T/plain.xml"
check "prepare begin leases the VF" hook web1 prepare begin "$T/web1.xml"
check "one lease" test "$(lease_count)" -eq 1
check "VF configured" test "$(vf_state ens1f0 0 vlan)" = 100
check "start begin exits 0" hook web1 start begin "$T/web1.xml"
check "started begin exits 0" hook web1 started begin "$T/web1.xml"
# the worker is slower under valgrind than lib.sh's wait_for allows
for _ in $(seq 300); do grep -q attach "$T/attach.log" 2>/dev/null && break; sleep 0.1; done
check "worker recorded the hot-plug" grep -q "attach $(uuid_of 1)" "$T/attach.log"
check "reconnect begin exits 0" hook web1 reconnect begin "$T/web1.xml"
if hook web2 prepare begin "$T/web2.xml" 2> "$T/refused.err"; then
  not_ok "exhausted pool refuses prepare"
else
  check "exhausted pool refuses prepare with a message" grep -q "vfpool:" "$T/refused.err"
fi
check "refused prepare leaves no lease" test "$(lease_count)" -eq 1
check "release end of a domain holding nothing exits 0" hook web2 release end "$T/web2.xml"
if hook bad prepare begin "$T/bad.xml" 2> /dev/null; then not_ok "malformed XML refused"; else ok "malformed XML refused"; fi
check "stopped end exits 0" hook web1 stopped end "$T/web1.xml"
check "release end exits 0" hook web1 release end "$T/web1.xml"
check "lease gone" test "$(lease_count)" -eq 0
check "VF restored" test "$(vf_state ens1f0 0 vlan)" = 0
# restore begin: the saved XML carries the device the worker plugged
sed "s|</devices>|$(grep -o "<hostdev.*</hostdev>" "$T/attach.log" | head -1)</devices>|" \
  "$T/web1.xml" > "$T/web1-saved.xml"
out=$(hook web1 restore begin "$T/web1-saved.xml"); rc=$?
check "restore begin, saved VF free: exit 0, no output" test "$rc" = 0 -a -z "$out"
check "restore begin reserved the VF" test "$(lease_count)" -eq 1
check "release end drops the reservation" hook web1 release end "$T/web1-saved.xml"
check "web2 takes the VF" hook web2 prepare begin "$T/web2.xml"
if hook web1 restore begin "$T/web1-saved.xml" > /dev/null 2> "$T/restore.err"; then
  not_ok "restore begin, pool exhausted: refused"
else
  check "restore begin, pool exhausted: refused with a message" grep -q "restore:" "$T/restore.err"
fi
check "web2 released" hook web2 release end "$T/web2.xml"
domain_xml web3 4 "pool='a' failover='yes'" > "$T/web3.xml"
check "failover nic: prepare begin" hook web3 prepare begin "$T/web3.xml"
check "failover nic: started begin" hook web3 started begin "$T/web3.xml"
for _ in $(seq 300); do grep -q "attach $(uuid_of 4) .*hostdev" "$T/attach.log" 2>/dev/null && break; sleep 0.1; done
check "worker recorded the standby and the VF" \
  test "$(grep -c "attach $(uuid_of 4) " "$T/attach.log")" = 2
check "failover nic: release end" hook web3 release end "$T/web3.xml"
# the network hook: a network=yes pool's port created, a second port on its
# VF refused, bad hook data refused, the port deleted
pool '[pool n]' 'pfs=ens1f0#0' 'network=yes' 'trust=on'
hookdata vfpool-n n 1 web4 5 10.0 > "$T/p1.xml"
hookdata vfpool-n n 2 web5 6 10.0 > "$T/p2.xml"
printf '<hookData><network><name>vfpool-n' > "$T/pbad.xml"
check "port-created leases the VF" hook vfpool-n port-created begin "$T/p1.xml"
check "port's VF configured" test "$(vf_state ens1f0 0 trust)" = on
if hook vfpool-n port-created begin "$T/p2.xml" 2> /dev/null; then not_ok "second port refused"; else ok "second port refused"; fi
if hook vfpool-n port-created begin "$T/pbad.xml" 2> /dev/null; then not_ok "bad hook data refused"; else ok "bad hook data refused"; fi
check "port-deleted exits 0" hook vfpool-n port-deleted begin "$T/p1.xml"
check "port's lease gone, VF restored" test "$(lease_count):$(vf_state ens1f0 0 trust)" = 0:off

# Every process writes its ERROR SUMMARY last; the detached worker may still run.
for _ in $(seq 300); do
  pending=0
  for f in "$VG_LOGS"/*.log; do
    grep -q 'ERROR SUMMARY' "$f" || pending=1
  done
  [ $pending -eq 0 ] && break
  sleep 0.1
done

nlogs=$(ls "$VG_LOGS" | wc -l)
bad=0
for f in "$VG_LOGS"/*.log; do
  # leaks of those kinds count as errors (--errors-for-leak-kinds)
  if ! grep -q 'ERROR SUMMARY: 0 errors' "$f"; then
    bad=1
    echo "==== $f"; cat "$f"
  fi
done
check "valgrind clean in all $nlogs processes" test $bad -eq 0
echo "valgrind.sh: build ${t_build} s, total $(( $(date +%s) - t0 )) s"
finish
rc=$?
rm -rf "$INST" "$INST.log"
exit $rc
