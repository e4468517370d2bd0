#!/bin/bash
# doctor.sh: the installed "vfpoolctl doctor --json", "explain" and "metrics"
# on fake hosts (healthy and broken trees, a fake /proc, libvirt's test
# driver for the domain checks); every JSON output must parse.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

export VFPOOL_PROC_ROOT="$T/proc"
ROOT="$T/root"                               # doctor --root: hook, /run, /etc
HOOK_AT="$ROOT$VFP_HOOKDIR/vfpool"

# json_get FILE PYTHON-EXPR: evaluate EXPR with d = the parsed JSON.
json_get() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
# check_status FILE ID STATUS: the check ID has STATUS.
check_status() {
  [ "$(json_get "$1" "next((c['status'] for c in d['checks'] if c['id']=='$2'), 'missing')")" = "$3" ]
}
check_mentions() {
  json_get "$1" "next((c['saw']+' '+str(c['fix']) for c in d['checks'] if c['id']=='$2'), '')" \
    | grep -qF -- "$3"
}

# ---- a healthy host ---------------------------------------------------------
bash "$MKSYSFS" --host "$T/sys" demo
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;ens1f1" "allow=web*"
mkdir -p "$T/proc/4242" "$(dirname "$HOOK_AT")"
echo "BOOT_IMAGE=/vmlinuz ro intel_iommu=on iommu=pt" > "$T/proc/cmdline"
printf 'cpu  1 2 3\nbtime 999990000\n' > "$T/proc/stat"
echo libvirtd > "$T/proc/4242/comm"
hz=$(getconf CLK_TCK)
echo "4242 (libvirtd) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 $((20000 * hz)) 1 1" \
  > "$T/proc/4242/stat"
install -m 0755 "$HOOK" "$HOOK_AT"
# the hook runs its hot-plug worker from beside its binary (here the copy)
install -m 0755 "$VFP_INST$VFP_SBINDIR/vfpool-hotplug" "$(dirname "$HOOK_AT")/vfpool-hotplug"
touch -d @1000000000 "$HOOK_AT"              # installed before libvirtd started

"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/ok.json"; rc=$?
check "healthy host: doctor exits 0 (rc=$rc)" test "$rc" = 0
check "healthy host: JSON parses, nothing fails" \
  test "$(json_get "$T/ok.json" "d['failed']")" = 0
for id in iommu vfio-pci config pf-sriov:ens1f0 pf-link:ens1f1 pf-autoprobe:ens1f0 \
          vf-iommu:tenant vf-count:ens1f0 hook hotplug-worker libvirtd networkmanager; do
  check "healthy host: $id passes" check_status "$T/ok.json" "$id" pass
done
"$CTL" doctor --no-libvirt --root "$ROOT" > "$T/ok.txt"; rc=$?
check "healthy host: text output, exit 0, summary line" \
  bash -c "[ $rc = 0 ] && grep -q '^\[PASS\] iommu: IOMMU on: dmar0' '$T/ok.txt' && tail -1 '$T/ok.txt' | grep -q ' 0 failed'"
check "no network=yes pool: no network-hook check" check_status "$T/ok.json" network-hook missing
# a network=yes pool needs the network hook beside the QEMU hook
NET_HOOK_AT="$ROOT$(dirname "$VFP_HOOKDIR")/network.d/vfpool"
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;ens1f1" "allow=web*" "network=yes"
"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/nonet.json"
check "network pool without the network hook: fails" check_status "$T/nonet.json" network-hook fail
check "  naming the path and the fix" check_mentions "$T/nonet.json" network-hook \
  "ln -s /usr/sbin/vfpool-hook $NET_HOOK_AT"
mkdir -p "$(dirname "$NET_HOOK_AT")"; install -m 0755 "$HOOK" "$NET_HOOK_AT"
"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/net.json"
check "network pool with the network hook: passes" check_status "$T/net.json" network-hook pass
rm -f "$NET_HOOK_AT"
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;ens1f1" "allow=web*"

# libvirtd older than the hook: a warning naming the restart, still exit 0.
touch -d @1000100000 "$HOOK_AT"
"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/old.json"; rc=$?
check "daemon older than the hook: warn, exit 0 (rc=$rc)" \
  bash -c "[ $rc = 0 ] && $(declare -f json_get check_status); check_status '$T/old.json' libvirtd warn"
check "daemon older than the hook: fix is the restart" \
  check_mentions "$T/old.json" libvirtd "systemctl restart libvirtd"
touch -d @1000000000 "$HOOK_AT"

# ---- domains through libvirt's test driver ---------------------------------
dom() {  # NAME N PORTS NICS...
  local name=$1 n=$2 ports=$3 i; shift 3
  echo "<domain type='test'><name>$name</name><uuid>$(uuid_of "$n")</uuid><memory>65536</memory>"
  echo "<os><type arch='x86_64' machine='q35'>hvm</type></os><metadata>"
  echo "<vfpool:request xmlns:vfpool='urn:vfpool:domain:1'>"
  for a in "$@"; do echo "<vfpool:nic $a/>"; done
  echo "</vfpool:request></metadata><devices><controller type='pci' index='0' model='pcie-root'/>"
  for ((i = 1; i <= ports; i++)); do echo "<controller type='pci' index='$i' model='pcie-root-port'/>"; done
  echo "</devices></domain>"
}
{
  echo "<node>"
  dom web1 1 2 'pool="tenant"'
  dom web2 2 0 'pool="tenant"'
  dom db1 3 1 'pool="tenant"'
  echo "</node>"
} > "$T/node.xml"
VFPOOL_LIBVIRT_URI="test://$T/node.xml" "$CTL" doctor --json --root "$ROOT" > "$T/dom.json"; rc=$?
check "domains: exit 1 (a domain check fails; rc=$rc)" test "$rc" = 1
check "domains: libvirt version passes" check_status "$T/dom.json" libvirt-version pass
check "domains: web1 passes" check_status "$T/dom.json" domain:web1 pass
check "domains: web1 has a free root port" check_status "$T/dom.json" domain-hotplug:web1 pass
check "domains: web2 lacks a root port" check_status "$T/dom.json" domain-hotplug:web2 fail
check "domains: web2's fix adds a pcie-root-port" \
  check_mentions "$T/dom.json" domain-hotplug:web2 "model='pcie-root-port'"
check "domains: db1 is not allowed" check_status "$T/dom.json" domain:db1 fail
check "domains: db1's fix names allow=" check_mentions "$T/dom.json" domain:db1 "allow="
check "domains: no running domain with VFs, host-shutdown passes" \
  check_status "$T/dom.json" host-shutdown pass

# ---- host shutdown: libvirt-guests and VFs that are not failover pairs ------
# The test driver runs the domains of its node XML; their XML is the live one.
vf_dev() {  # N FAILOVER(yes|no): the vfpool device of nic 0 on VF N, as started
  if [ "$2" = yes ]; then
    echo "<interface type='hostdev' managed='yes'><mac address='52:54:00:00:00:0$1'/>"
    echo "<source><address type='pci' domain='0x0000' bus='0x01' slot='0x10' function='0x$1'/></source>"
    echo "<teaming type='transient' persistent='ua-vfpool-sb0'/><alias name='ua-vfpool-0'/></interface>"
    echo "<interface type='network'><mac address='52:54:00:00:00:0$1'/><source network='default'/>"
    echo "<model type='virtio'/><teaming type='persistent'/><alias name='ua-vfpool-sb0'/></interface>"
  else
    echo "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000'"
    echo " bus='0x01' slot='0x10' function='0x$1'/></source><alias name='ua-vfpool-0'/></hostdev>"
  fi
}
running_node() {  # FILE with-plain(yes|no)
  {
    echo "<node>"
    dom web1 1 2 'pool="tenant" failover="yes"' | sed "s|</devices>|$(vf_dev 2 yes | tr -d '\n')</devices>|"
    [ "$2" = yes ] && dom web2 2 2 'pool="tenant"' | sed "s|</devices>|$(vf_dev 4 no | tr -d '\n')</devices>|"
    echo "</node>"
  } > "$1"
}
running_node "$T/run-both.xml" yes
running_node "$T/run-fo.xml" no
shutdown_doctor() { VFPOOL_LIBVIRT_URI="test://$1" "$CTL" doctor --json --root "$ROOT" > "$T/sd.json"; }
mkdir -p "$ROOT/etc/default"
rm -f "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/run-both.xml"
check "ON_SHUTDOWN unset, no libvirt-guests.sh: host-shutdown warns (upstream default suspend)" \
  check_status "$T/sd.json" host-shutdown warn
check "... naming web1's failover nic 0 (its save hangs too) and web2's nic 0" \
  bash -c "$(declare -f check_mentions json_get); check_mentions '$T/sd.json' host-shutdown \"'web1' (nic 0 failover)\" && check_mentions '$T/sd.json' host-shutdown \"'web2' (nic 0)\""
json_get "$T/sd.json" "'\n'.join('    '+c['saw']+'\n    fix: '+c['fix'] for c in d['checks'] if c['id']=='host-shutdown')"
check "... the saw says ON_SHUTDOWN is unset, upstream default suspend" \
  check_mentions "$T/sd.json" host-shutdown "ON_SHUTDOWN unset in $ROOT/etc/default/libvirt-guests (libvirt-guests' upstream default: suspend)"
check "... the fix names vfpool-guests.service" check_mentions "$T/sd.json" host-shutdown 'systemctl enable --now vfpool-guests.service'
check "... and ON_SHUTDOWN=shutdown in the file" \
  check_mentions "$T/sd.json" host-shutdown "ON_SHUTDOWN=shutdown in $ROOT/etc/default/libvirt-guests"
printf '# comment\nON_BOOT=start\nON_SHUTDOWN="suspend"   # the default\n' > "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/run-both.xml"
check "ON_SHUTDOWN=\"suspend\": warns" check_status "$T/sd.json" host-shutdown warn
check "... saying ON_SHUTDOWN=suspend" check_mentions "$T/sd.json" host-shutdown "ON_SHUTDOWN=suspend in"
printf 'ON_SHUTDOWN=suspend\nON_SHUTDOWN=shutdown\n' > "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/run-both.xml"
check "ON_SHUTDOWN=shutdown (the last one wins): passes" check_status "$T/sd.json" host-shutdown pass
printf 'ON_SHUTDOWN=suspend\n' > "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/run-fo.xml"
check "suspend, only a failover pair running: warns (its save hangs as well)" \
  check_status "$T/sd.json" host-shutdown warn
mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
ln -s /lib/systemd/system/vfpool-guests.service "$ROOT/etc/systemd/system/multi-user.target.wants/"
shutdown_doctor "$T/run-both.xml"
check "suspend, vfpool-guests.service enabled: passes, saying it takes the VFs out" \
  bash -c "$(declare -f check_status check_mentions json_get); check_status '$T/sd.json' host-shutdown pass && check_mentions '$T/sd.json' host-shutdown 'vfpool-guests.service is enabled and takes the VFs out of the 2 running domains'"
# A domain holding a VF through a vfpool network (the network hook's lease,
# libvirt's port): the unit leaves it in and libvirt refuses to save it
# (e2e 10-network-pool), so enabled or not it warns.
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;ens1f1" "allow=web*" "network=yes"
hookdata vfpool-tenant tenant 1 web3 9 10.0 > "$T/p3.xml"
check "web3's port on vfpool-tenant: the network hook leases a VF" \
  hook vfpool-tenant port-created begin "$T/p3.xml"
shutdown_doctor "$T/node.xml"
check "suspend, unit enabled, web3 on a vfpool network: warns, naming it and the pool" \
  bash -c "$(declare -f check_status check_mentions json_get); check_status '$T/sd.json' host-shutdown warn && check_mentions '$T/sd.json' host-shutdown \"'web3' (pool tenant)\""
check "... the fix: shut it down first, or ON_SHUTDOWN=shutdown" \
  check_mentions "$T/sd.json" host-shutdown "shut those domains down before the host, or set ON_SHUTDOWN=shutdown in $ROOT/etc/default/libvirt-guests"
rm "$ROOT/etc/systemd/system/multi-user.target.wants/vfpool-guests.service"
shutdown_doctor "$T/node.xml"
check "suspend, unit not enabled, only web3 on a vfpool network: warns, naming it" \
  bash -c "$(declare -f check_status check_mentions json_get); check_status '$T/sd.json' host-shutdown warn && check_mentions '$T/sd.json' host-shutdown \"'web3' (pool tenant)\""
check "... the fix does not offer the unit (it leaves libvirt's ports alone)" \
  bash -c "$(declare -f check_mentions json_get); check_mentions '$T/sd.json' host-shutdown 'shut those domains down' && ! check_mentions '$T/sd.json' host-shutdown 'systemctl enable'"
printf 'ON_SHUTDOWN=shutdown\n' > "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/node.xml"
check "ON_SHUTDOWN=shutdown, web3 on a vfpool network: passes" check_status "$T/sd.json" host-shutdown pass
hook vfpool-tenant port-deleted begin "$T/p3.xml"
check "web3's port deleted: its lease is gone" test "$(lease_count)" = 0
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;ens1f1" "allow=web*"
printf 'ON_SHUTDOWN=suspend\n' > "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/node.xml"
check "suspend, no running domain holds VFs: passes, advising the unit" \
  bash -c "$(declare -f check_status check_mentions json_get); check_status '$T/sd.json' host-shutdown pass && check_mentions '$T/sd.json' host-shutdown 'vfpool-guests.service'"
# Debian 12's libvirt-guests.sh (libvirt-daemon 9.0.0-4+deb12u2) sets its own
# defaults before it sources /etc/default/libvirt-guests: the same lines here.
mkdir -p "$ROOT/usr/lib/libvirt"
printf 'URIS="default"\nON_BOOT="ignore"\nON_SHUTDOWN="shutdown"\nSHUTDOWN_TIMEOUT=300\n. /etc/default/libvirt-guests\nstop() {\n  if [ "x$ON_SHUTDOWN" = xshutdown ]; then\n    ON_SHUTDOWN=suspend\n  fi\n}\n' \
  > "$ROOT/usr/lib/libvirt/libvirt-guests.sh"
rm -f "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/run-both.xml"
check "ON_SHUTDOWN unset, the script defaults to shutdown (Debian 12): passes" \
  check_status "$T/sd.json" host-shutdown pass
check "... saying where the default comes from" \
  check_mentions "$T/sd.json" host-shutdown "$ROOT/usr/lib/libvirt/libvirt-guests.sh defaults to shutdown"
printf 'ON_SHUTDOWN=suspend\n' > "$ROOT/etc/default/libvirt-guests"
shutdown_doctor "$T/run-both.xml"
check "the script defaults to shutdown, the defaults file says suspend: warns" \
  check_status "$T/sd.json" host-shutdown warn
rm -f "$ROOT/etc/default/libvirt-guests" "$ROOT/usr/lib/libvirt/libvirt-guests.sh"

"$CTL" doctor --json --root "$ROOT" > "$T/nolv.json"; rc=$?
check "unreachable libvirt: a warning, not a failure (rc=$rc)" \
  bash -c "[ $rc = 0 ] && $(declare -f json_get check_status); check_status '$T/nolv.json' libvirt warn"
# Run as root (make check does): the fix must not tell root to become root.
if [ "$(id -u)" = 0 ]; then
  check "unreachable libvirt as root: the fix does not say 'as root'" \
    bash -c "! grep -q 'doctor as root' '$T/nolv.json' && grep -q 'systemctl start libvirtd' '$T/nolv.json'"
fi

# ---- explain -----------------------------------------------------------------
domain_xml web9 9 'pool="tenant"' > "$T/web9.xml"
out=$("$CTL" explain --xml "$T/web9.xml"); rc=$?
check "explain --xml: exit 0, VF 0 of the first PF by pfs= order ($out)" \
  bash -c "[ $rc = 0 ] && [[ \"\$1\" == *'nic 0 (pool tenant): VF 0000:01:10.0 (ens1f0 VF 0) [pf-order]'* ]]" _ "$out"
check "explain claims nothing" test "$(lease_count)" = 0
domain_xml webx 8 'pool="tenant"' > "$T/other.xml"
hook webx prepare begin "$T/other.xml"
"$CTL" explain --json --xml - < "$T/web9.xml" > "$T/explain.json"; rc=$?
check "explain --json: parses, least-loaded PF after another domain took ens1f0 VF 0" \
  bash -c "[ $rc = 0 ] && [ \"\$(python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))[\"nics\"][0]; print(n[\"vf\"], n[\"reason\"])' '$T/explain.json')\" = '0000:01:10.1 least-loaded-pf' ]"
out=$(VFPOOL_LIBVIRT_URI="test://$T/node.xml" "$CTL" explain web1); rc=$?
check "explain DOMAIN through libvirt ($out)" \
  bash -c "[ $rc = 0 ] && [[ \"\$1\" == *\"domain 'web1'\"*'VF 0000:01:10.1'* ]]" _ "$out"
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0"
out=$("$CTL" explain --xml "$T/web9.xml"); rc=$?
check "explain, pool exhausted: exit 1, names the holder ($out)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *none-free*\"leased to domain 'webx'\"* ]]" _ "$out"
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0;ens1f1" "allow=web*"

# ---- metrics -----------------------------------------------------------------
mkdir -p "$T/textfile"
"$CTL" metrics > "$T/textfile/vfpool.prom.$$" && mv "$T/textfile/vfpool.prom.$$" "$T/textfile/vfpool.prom"
check "metrics: the textfile recipe leaves one file" test -s "$T/textfile/vfpool.prom"
check "metrics: every line is HELP, TYPE or a sample" python3 - "$T/textfile/vfpool.prom" <<'PY'
import re, sys
sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})? -?[0-9]+(\.[0-9]+)?$')
typed = set()
for line in open(sys.argv[1]).read().splitlines():
    if line.startswith('# TYPE '):
        typed.add(line.split()[2]); continue
    if line.startswith('# HELP '):
        continue
    assert sample.match(line), line
    assert line.split('{')[0].split(' ')[0] in typed, line
PY
prom="$T/textfile/vfpool.prom"
check "metrics: capacity" grep -qx 'vfpool_pool_vfs{pool="tenant"} 8' "$prom"
check "metrics: one leased (domain webx)" grep -qx 'vfpool_pool_leased{pool="tenant"} 1' "$prom"
check "metrics: seven free" grep -qx 'vfpool_pool_free{pool="tenant"} 7' "$prom"
check "metrics: counter typed" grep -qx '# TYPE vfpool_allocation_failures_total counter' "$prom"
mkdir -p "$T/run/metrics"; echo 3 > "$T/run/metrics/tenant.failures"
check "metrics: failure counter read from STATE_DIR/metrics" \
  bash -c "'$CTL' metrics | grep -qx 'vfpool_allocation_failures_total{pool=\"tenant\"} 3'"
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens7f7"
out=$("$CTL" metrics 2>/dev/null); rc=$?
check "metrics, invalid config: exit 0 with vfpool_config_valid 0" \
  bash -c "[ $rc = 0 ] && [[ \"\$1\" == *'vfpool_config_valid 0'* ]]" _ "$out"

# ---- a broken host ---------------------------------------------------------
rm -rf "$T/sys"
bash "$MKSYSFS" --host --no-iommu --autoprobe "$T/sys" off
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0"
echo "BOOT_IMAGE=/vmlinuz ro" > "$T/proc/cmdline"
mkdir -p "$ROOT/run/NetworkManager"
"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/bad.json"; rc=$?
check "broken host: exit 1 (rc=$rc)" test "$rc" = 1
check "broken host: JSON parses, status fail" test "$(json_get "$T/bad.json" "d['status']")" = fail
check "broken host: no IOMMU, fix says intel_iommu=on" check_mentions "$T/bad.json" iommu "intel_iommu=on"
check "broken host: iommu fails" check_status "$T/bad.json" iommu fail
check "broken host: config fails with the loader's message" check_mentions "$T/bad.json" config "SR-IOV is off"
check "broken host: PF SR-IOV off, fix writes sriov_numvfs" check_mentions "$T/bad.json" pf-sriov:ens1f0 "sriov_numvfs"
# the package enables vfpool-vfs.service: the fix must not send its users
# to enable it, only those who ran make install
check "... and says the package enables vfpool-vfs.service" \
  check_mentions "$T/bad.json" pf-sriov:ens1f0 "the package enables it; after make install: systemctl enable"
rm -rf "$ROOT/run/NetworkManager"
rm -f "$(dirname "$HOOK_AT")/vfpool-hotplug"
"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/noworker.json"; rc=$?
check "hot-plug worker missing beside the hook: fails (rc=$rc)" \
  bash -c "[ $rc = 1 ] && $(declare -f json_get check_status); check_status '$T/noworker.json' hotplug-worker fail"
check "  naming the worker's path and the reinstall" check_mentions "$T/noworker.json" hotplug-worker \
  "$(dirname "$HOOK_AT")/vfpool-hotplug"
rm -f "$HOOK_AT"
"$CTL" doctor --json --no-libvirt --root "$ROOT" > "$T/nohook.json"
check "hook missing: fails, fix links it" check_mentions "$T/nohook.json" hook "ln -s /usr/sbin/vfpool-hook"

finish
