# lib.sh: shared setup for the scenario tests.  They run the *installed*
# hook and vfpoolctl (make install DESTDIR=tests/_inst) on a simulated host:
# a fake sysfs tree, the recording netlink fake, a temp state dir, and the
# hot-plug worker recording instead of calling libvirt.
set -u

: "${VFP_TOP_SRCDIR:?run through make check}"
: "${VFP_INST:?run through make check}"
# The hook binary; $VFP_HOOKDIR/vfpool is a symlink to its absolute
# installed path, which is not under DESTDIR.
HOOK="$VFP_INST$VFP_SBINDIR/vfpool-hook"
CTL="$VFP_INST$VFP_SBINDIR/vfpoolctl"
MKSYSFS="$VFP_TOP_SRCDIR/tests/sysfs/mksysfs"

# pools.d and its files must not be group-writable (vfpool refuses them),
# whatever umask make check runs under.
umask 022
T=$(mktemp -d "${TMPDIR:-/tmp}/vfpool-scenario.XXXXXX")
trap 'rm -rf "$T"; [ -n "${KEEP_PIDS:-}" ] && kill $KEEP_PIDS 2>/dev/null' EXIT
mkdir -p "$T/etc/pools.d" "$T/run" "$T/lib" "$T/libvirt"
echo "11111111-2222-3333-4444-555555555555" > "$T/boot_id"

export VFPOOL_SYSFS_ROOT="$T/sys" VFPOOL_CONFIG_DIR="$T/etc" VFPOOL_STATE_DIR="$T/run" \
       VFPOOL_HISTORY_DIR="$T/lib" VFPOOL_NETLINK="fake:$T/nl.log" \
       VFPOOL_LIBVIRT_URI="record:$T/attach.log" VFPOOL_LIBVIRT_RUN_DIR="$T/libvirt" \
       VFPOOL_BOOT_ID_FILE="$T/boot_id"

PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else not_ok "$what"; fi; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" -eq 0 ]; }

make_host() { bash "$MKSYSFS" "$T/sys" "$1"; }
pool() { printf '%s\n' "$@" > "$T/etc/pools.d/$POOL_FILE"; }

# uuid_of N: a stable UUID per domain number.
uuid_of() { printf '00000000-0000-4000-8000-%012d' "$1"; }

# domain_xml NAME N [NIC-ATTRS...]: a q35 domain with 2 free root ports and
# one request nic per NIC-ATTRS argument (none: no request at all).
domain_xml() {
  local name=$1 n=$2; shift 2
  echo "<domain type='qemu'><name>$name</name><uuid>$(uuid_of "$n")</uuid>"
  echo "<memory unit='KiB'>65536</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>"
  if [ $# -gt 0 ]; then
    echo "<metadata><vfpool:request xmlns:vfpool='urn:vfpool:domain:1'>"
    for a in "$@"; do echo "<vfpool:nic $a/>"; done
    echo "</vfpool:request></metadata>"
  fi
  echo "<devices><controller type='pci' index='0' model='pcie-root'/>"
  echo "<controller type='pci' index='1' model='pcie-root-port'/>"
  echo "<controller type='pci' index='2' model='pcie-root-port'/></devices></domain>"
}

# fake_qemu NAME UUID: a process that looks like the domain's QEMU to vfpool
# (argv[0] qemu-system-x86_64, and libvirt's arguments as whole arguments:
# -name guest=NAME,debug-threads=on -uuid UUID); its pid in FAKE_QEMU_PID.
# Returns only once the process *is* that QEMU: libvirt hands out a pid
# (pid file, `started begin`) only after QEMU was exec'd, and a pid recorded
# while the forked child still showed this script's command line looks to
# reconcile like a recycled pid, i.e. like a domain that is gone.  The
# process is a bash blocked in `read` on a FIFO nobody writes: no child of
# its own, and SIGTERM ends it.  It keeps no fd 9: a caller's flock on it
# (torture's per-domain start lock) must end with the caller, not the QEMU.
fake_qemu() {
  local fifo="$T/fake-qemu.fifo" arg0="" i
  [ -p "$fifo" ] || mkfifo "$fifo" 2>/dev/null || [ -p "$fifo" ] || return 1
  (exec -a qemu-system-x86_64 bash -c 'read -r _ <> "$0"' "$fifo" \
     -name "guest=$1,debug-threads=on" -uuid "$2") </dev/null >/dev/null 2>&1 9>&- &
  FAKE_QEMU_PID=$!
  for i in $(seq 500); do
    read -r -d '' arg0 < "/proc/$FAKE_QEMU_PID/cmdline" 2>/dev/null
    [ "$arg0" = qemu-system-x86_64 ] && return 0
    sleep 0.01
  done
  echo "fake_qemu: $1 (pid $FAKE_QEMU_PID) did not start" >&2
  return 1
}

# hook_env [VAR=VALUE...] CMD [ARG...]: CMD with the bare environment
# libvirt gives its hooks (which the hook's hot-plug worker inherits), plus
# the test seams above and VFPOOL_STATS when set.
hook_env() { env -i LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
               VFPOOL_SYSFS_ROOT="$VFPOOL_SYSFS_ROOT" VFPOOL_CONFIG_DIR="$VFPOOL_CONFIG_DIR" \
               VFPOOL_STATE_DIR="$VFPOOL_STATE_DIR" VFPOOL_HISTORY_DIR="$VFPOOL_HISTORY_DIR" \
               VFPOOL_NETLINK="$VFPOOL_NETLINK" VFPOOL_LIBVIRT_URI="$VFPOOL_LIBVIRT_URI" \
               VFPOOL_LIBVIRT_RUN_DIR="$VFPOOL_LIBVIRT_RUN_DIR" VFPOOL_BOOT_ID_FILE="$VFPOOL_BOOT_ID_FILE" \
               ${VFPOOL_STATS:+VFPOOL_STATS="$VFPOOL_STATS"} \
               "$@"; }
# hook NAME OP SUB XMLFILE: one hook call the way libvirt makes it.
hook() { hook_env "$HOOK" "$1" "$2" "$3" - < "$4"; }

# The libvirt sequences (docs/DESIGN.md §1).
start_plain() { hook "$1" prepare begin "$2" && hook "$1" start begin "$2" && hook "$1" started begin "$2"; }
stop_domain() { hook "$1" stopped end "$2"; hook "$1" release end "$2"; }

lease_count() { ls "$T/run/leases" 2>/dev/null | wc -l; }
lease_of() { grep -l "owner-name=$1\$" "$T"/run/leases/* 2>/dev/null | xargs -r -n1 basename; }
# vf_state PF N KEY: current value in the fake backend (default when untouched).
vf_state() {
  local f="$T/nl.log.d/$1-vf$2"
  if [ -f "$f" ]; then sed -n "s/^$3=//p" "$f"; else
    case $3 in mac) echo 00:00:00:00:00:00;; vlan|qos|min-tx-rate|max-tx-rate) echo 0;;
      spoofchk) echo on;; trust) echo off;; link-state) echo auto;; vlan-proto) echo 802.1Q;; esac
  fi
}
# seed_vf PF N MAC VLAN: give a VF a non-default original state.
seed_vf() {
  mkdir -p "$T/nl.log.d"
  printf '[vf]\nmac=%s\nvlan=%s\nqos=0\nvlan-proto=802.1Q\nspoofchk=on\ntrust=off\nmin-tx-rate=0\nmax-tx-rate=0\nlink-state=auto\n' \
    "$3" "$4" > "$T/nl.log.d/$1-vf$2"
}
# wait_for FILE PATTERN: the detached worker appends shortly after started.
wait_for() { for _ in $(seq 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# hookdata NET MARKER-POOL PORT-N OWNER OWNER-N VF-SLOT.FN [PLUG-TYPE]: the
# network hook's stdin for a port of VF 0000:01:SLOT.FN, as libvirt 9.0's
# networkRunHook writes it (the network XML, then virNetworkPortDefFormatBuf's
# <networkport>); MARKER-POOL '-' leaves vfpool's marker out.
hookdata() {
  local net=$1 marker=$2 port=$3 owner=$4 on=$5 slot=${6%.*} fn=${6#*.} plug=${7:-hostdev-pci}
  echo "<hookData>"
  echo "  <network>"
  echo "    <name>$net</name>"
  echo "    <uuid>6d7e2c55-0000-4000-8000-00000000000a</uuid>"
  if [ "$marker" != - ]; then
    echo "    <metadata>"
    echo "      <vfpool:network xmlns:vfpool=\"urn:vfpool:network:1\" pool=\"$marker\"/>"
    echo "    </metadata>"
  fi
  echo "    <forward mode='hostdev' managed='yes'>"
  echo "      <driver name='vfio'/>"
  echo "      <address type='pci' domain='0x0000' bus='0x01' slot='0x10' function='0x0'/>"
  echo "    </forward>"
  echo "  </network>"
  echo "  <networkport>"
  echo "    <uuid>$(printf 'aaaaaaaa-0000-4000-8000-%012d' "$port")</uuid>"
  echo "    <owner>"
  echo "      <name>$owner</name>"
  echo "      <uuid>$(uuid_of "$on")</uuid>"
  echo "    </owner>"
  echo "    <mac address='52:54:00:aa:bb:0$on'/>"
  echo "    <vlan>"
  echo "      <tag id='100'/>"
  echo "    </vlan>"
  echo "    <plug type='$plug' managed='yes'>"
  echo "      <driver name='vfio'/>"
  echo "      <address domain='0x0000' bus='0x01' slot='0x$slot' function='0x$fn'/>"
  echo "    </plug>"
  echo "  </networkport>"
  echo "</hookData>"
}
