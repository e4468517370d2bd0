# guest/lib.sh: helpers the e2e scenarios source ($E2E_LIB): assertions, pools, tiny domains, and reads of the real VF state.
# shellcheck shell=bash
# Needs E2E_PF, E2E_PF_PCI, E2E_NUMVFS (set by init.sh).

LEASE_DIR=/run/vfpool/leases
POOLS_DIR=/etc/vfpool/pools.d
E2E_HOOK_ALIAS=ua-vfpool-0

log () { echo "$(date +%T) $*"; }
fail () { echo "FAIL: $*"; exit 1; }
# assert DESCRIPTION COMMAND...: runs COMMAND, fails the scenario naming the check.
assert () { local what=$1; shift; "$@" || fail "$what"; log "ok: $what"; }

# ---- VFs: real state --------------------------------------------------------
vf_pci () { basename "$(readlink "/sys/bus/pci/devices/$E2E_PF_PCI/virtfn$1")"; }
vf_index_of () {   # VF PCI address -> index
  local l
  for l in /sys/bus/pci/devices/"$E2E_PF_PCI"/virtfn*; do
    [ "$(basename "$(readlink "$l")")" = "$1" ] && { echo "${l##*virtfn}"; return 0; }
  done
  return 1
}
vf_driver () { local d; d=$(readlink "/sys/bus/pci/devices/$(vf_pci "$1")/driver") && basename "$d" || echo none; }
# The VF's line of `ip -d link show PF` (MAC, VLAN, rate, spoofchk, trust, link-state).
vf_line () { /sbin/ip -d link show "$E2E_PF" | sed -n "s/^ *vf $1 \(.*\)$/\1/p" | sed 's/ *$//'; }
vf_all_lines () { local i; for i in $(seq 0 $((E2E_NUMVFS - 1))); do echo "vf $i: $(vf_line "$i")"; done; }
wait_driver () {   # IDX DRIVER [SECONDS]
  local i
  for i in $(seq $(( ${3:-30} * 2 ))); do
    [ "$(vf_driver "$1")" = "$2" ] && return 0
    sleep 0.5
  done
  return 1
}

# ---- leases -------------------------------------------------------------------
lease_count () { ls "$LEASE_DIR" 2>/dev/null | wc -l; }
lease_of_vf () { [ -e "$LEASE_DIR/$(vf_pci "$1")" ]; }
leases_of_uuid () { grep -l -- "$1" "$LEASE_DIR"/* 2>/dev/null | xargs -r -n1 basename; }
show_leases () { local f; for f in "$LEASE_DIR"/*; do [ -e "$f" ] && { echo "--- $f"; cat "$f"; }; done; true; }

# ---- pools --------------------------------------------------------------------
# pool NAME FIRST LAST [key=value ...]: a pool of VFs FIRST..LAST of the PF.
pool () {
  local name=$1 first=$2 last=$3; shift 3
  mkdir -p "$POOLS_DIR"
  { echo "[pool $name]"; echo "pfs=$E2E_PF#$first-$last"; for kv in "$@"; do echo "$kv"; done; } \
    > "$POOLS_DIR/$name.conf"
}

# ---- domains --------------------------------------------------------------------
# domain_xml NAME UUID NIC_ATTRS: a tiny q35 TCG domain with no disk and no OS
# (SeaBIOS finds nothing to boot and waits: the domain still "runs"), two
# spare pcie-root-ports for the hot-plug, and a vfpool request.
domain_xml () {
  local name=$1 uuid=$2 nic=$3
  cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <uuid>$uuid</uuid>
  <memory unit='MiB'>48</memory>
  <vcpu>1</vcpu>
  <metadata>
    <vfpool:request xmlns:vfpool="urn:vfpool:domain:1"><vfpool:nic $nic/></vfpool:request>
  </metadata>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# define_domain NAME N NIC_ATTRS: UUIDs are fixed per N so leases can be matched.
dom_uuid () { printf 'e2e00000-0000-4000-8000-%012d' "$1"; }
define_domain () {
  local f=/tmp/$1.xml
  domain_xml "$1" "$(dom_uuid "$2")" "$3" > "$f"
  virsh -q define "$f" >/dev/null || fail "virsh define $1"
}
dom_state () { virsh -q domstate "$1" 2>/dev/null | head -1; }
dom_running () { [ "$(dom_state "$1")" = running ]; }
live_has_hostdev () { virsh -q dumpxml "$1" 2>/dev/null | grep -q "$E2E_HOOK_ALIAS"; }
# The VF PCI address of the domain's live <hostdev>, as 0000:bb:ss.f.
live_vf () {
  local a
  a=$(virsh -q dumpxml "$1" 2>/dev/null | tr -d '\n' | grep -o "<hostdev[^>]*>.*</hostdev>" \
      | grep -o "<source>.*</source>" | grep -o "<address [^>]*>" | head -1 \
      | sed -E "s/.*domain='0x([0-9a-f]+)' bus='0x([0-9a-f]+)' slot='0x([0-9a-f]+)' function='0x([0-9a-f]+)'.*/\1 \2 \3 \4/")
  [ -n "$a" ] || return 1
  set -- $a
  printf '%04x:%02x:%02x.%x\n' $((0x$1)) $((0x$2)) $((0x$3)) $((0x$4))
}
wait_until () {   # SECONDS COMMAND...
  local t=$1 i; shift
  for i in $(seq $((t * 2))); do "$@" && return 0; sleep 0.5; done
  return 1
}
qemu_pid_of () { cat "/run/libvirt/qemu/$1.pid" 2>/dev/null; }
# restart_libvirtd: stop the daemon, start it again, wait until it answers.
restart_libvirtd () {
  local lpid
  lpid=$(cat /run/libvirtd.pid 2>/dev/null || pidof libvirtd)
  log "stopping libvirtd ($lpid)"
  kill "$lpid"
  assert "libvirtd stopped" wait_until 30 sh -c "! kill -0 $lpid 2>/dev/null"
  libvirtd -d || fail "libvirtd -d"
  assert "libvirtd answers again" wait_until 60 sh -c 'virsh -q version >/dev/null 2>&1'
}

# Everything a scenario may leave behind: domains, pools, leases.
e2e_cleanup_all () {
  local d
  declare -F host_b_down >/dev/null && host_b_down
  for d in $(virsh -q list --all --name 2>/dev/null); do
    virsh -q destroy "$d" >/dev/null 2>&1
    # A managed save image or snapshot metadata would make a plain undefine fail.
    virsh -q undefine --managed-save --snapshots-metadata "$d" >/dev/null 2>&1
  done
  rm -f "$POOLS_DIR"/*.conf
  if [ "$(lease_count)" != 0 ]; then
    echo "e2e: note: $(lease_count) lease(s) left after ${1:-scenario}: $(ls "$LEASE_DIR" | tr '\n' ' ')"
    command -v vfpoolctl >/dev/null && vfpoolctl reconcile >/dev/null 2>&1
    rm -f "$LEASE_DIR"/*
  fi
}

# ---- scenario building blocks ---------------------------------------------------
# Remember every VF's ip line and driver; later check they are back.
snapshot_vfs () { SNAP=$(vf_all_lines); local i; SNAP_DRV=; for i in $(seq 0 $((E2E_NUMVFS - 1))); do SNAP_DRV="$SNAP_DRV $(vf_driver "$i")"; done; }
vfs_restored () {
  local i now_drv=
  for i in $(seq 0 $((E2E_NUMVFS - 1))); do now_drv="$now_drv $(vf_driver "$i")"; done
  [ "$(vf_all_lines)" = "$SNAP" ] && [ "$now_drv" = "$SNAP_DRV" ]
}
assert_vfs_restored () {
  wait_until "${2:-30}" vfs_restored && { log "ok: $1"; return 0; }
  echo "before:"; echo "$SNAP"; echo "drivers:$SNAP_DRV"
  echo "now:"; vf_all_lines
  local i now_drv=
  for i in $(seq 0 $((E2E_NUMVFS - 1))); do now_drv="$now_drv $(vf_driver "$i")"; done
  echo "drivers:$now_drv"
  fail "$1"
}
# start_dom NAME: virsh start, output in $OUT, status in $RC.
start_dom () { OUT=$(virsh start "$1" 2>&1); RC=$?; log "virsh start $1: rc=$RC $(echo "$OUT" | tr '\n' ' ')"; }
# The domain's VF as the hook leased it: lease file named after the VF, holding the UUID.
lease_vf_of () { leases_of_uuid "$(dom_uuid "$1")" | head -1; }
# wait for the hot-plug, then check live XML, lease and driver agree.
assert_has_vf () {   # NAME N [SECONDS]
  local name=$1 n=$2 vf idx
  wait_until "${3:-30}" live_has_hostdev "$name" || { virsh -q dumpxml "$name"; show_leases; fail "$name: no $E2E_HOOK_ALIAS hostdev in the live XML after ${3:-30} s"; }
  vf=$(live_vf "$name") || fail "$name: cannot read the hostdev address"
  [ -e "$LEASE_DIR/$vf" ] || { show_leases; fail "$name: its VF $vf has no lease"; }
  grep -q -- "$(dom_uuid "$n")" "$LEASE_DIR/$vf" || { show_leases; fail "$name: lease of $vf is not its own"; }
  idx=$(vf_index_of "$vf") || fail "$name: $vf is not a VF of $E2E_PF"
  [ "$(vf_driver "$idx")" = vfio-pci ] || fail "$name: VF $vf is bound to $(vf_driver "$idx"), not vfio-pci"
  log "ok: $name runs with VF $idx ($vf): $(vf_line "$idx")"
  DOM_VF=$vf DOM_VF_IDX=$idx
}
vf_line_has () { vf_line "$1" | grep -qF -- "$2"; }
vf_line_is () { [ "$(vf_line "$1")" = "$2" ]; }
vf_line_before () { echo "$SNAP" | sed -n "s/^vf $1: //p"; }
no_lease () { [ ! -e "$LEASE_DIR/$1" ]; }
no_leases () { [ "$(lease_count)" = 0 ]; }
out_has () { echo "$OUT" | grep -qiF -- "$1"; }

# ---- failover (extra/08, 09-failover-lifecycle) ------------------------------------------------
# standby_network NAME: a libvirt network NAME for the virtio standby of a
# failover pair, forward mode "bridge" on a host bridge made here.  The image
# has no dnsmasq and no netfilter modules, so the stock NAT network "default"
# cannot start; a bridge-mode network needs neither.  Replaces a network NAME
# already defined (the stock "default" is defined, not started).
standby_network () {
  local net=$1 br=e2ebr0
  modprobe -a bridge tun || fail "modprobe bridge tun"
  /sbin/ip link show "$br" >/dev/null 2>&1 || /sbin/ip link add "$br" type bridge || fail "cannot create bridge $br"
  /sbin/ip link set "$br" up
  virsh -q net-destroy "$net" >/dev/null 2>&1
  virsh -q net-undefine "$net" >/dev/null 2>&1
  cat > "/tmp/net-$net.xml" <<XML
<network><name>$net</name><forward mode='bridge'/><bridge name='$br'/></network>
XML
  virsh -q net-define "/tmp/net-$net.xml" >/dev/null || fail "net-define $net"
  virsh -q net-start "$net" >/dev/null || fail "net-start $net"
  log "network $net: bridge mode on $br"
}
# The nested VM (guest/nested-init.sh, e2e.mode=failover) appends a report to
# its serial file every ~5 s.  console_lines FILE: lines so far (a mark);
# since FILE MARK: the report lines after the mark.
console_lines () { tr -d '\r' < "$1" 2>/dev/null | wc -l; }
since () { tr -d '\r' < "$1" 2>/dev/null | tail -n +"$(( $2 + 1 ))" | grep '^NESTED:'; }
# last_failover FILE MARK: the newest FAILOVER line after MARK.
last_failover () { since "$1" "$2" | grep 'NESTED: FAILOVER' | tail -1; }
primary_now () { last_failover "$1" "$2" | grep -v 'primary=none' | grep -q 'primary='; }
primary_gone () { last_failover "$1" "$2" | grep -q 'primary=none'; }
# wait_console SECONDS DESCRIPTION COMMAND...: like wait_until, with a progress
# line every 60 s (the fixture takes 420 s of silence for a hang).
wait_console () {
  local t=$1 what=$2 s0=$SECONDS next=60; shift 2
  while [ $((SECONDS - s0)) -lt "$t" ]; do
    "$@" && return 0
    if [ $((SECONDS - s0)) -ge $next ]; then
      log "still waiting for $what ($((SECONDS - s0)) s)"; next=$((next + 60))
    fi
    sleep 2
  done
  return 1
}
# The domain's live hostdev VF whatever its alias (interface type='hostdev').
live_iface_vf () {
  local a
  a=$(virsh -q dumpxml "$1" 2>/dev/null | tr -d '\n' | grep -o "<interface type='hostdev'.*</interface>" \
      | grep -o "<source>[^/]*<address [^>]*>" | head -1 \
      | sed -E "s/.*domain='0x([0-9a-f]+)' bus='0x([0-9a-f]+)' slot='0x([0-9a-f]+)' function='0x([0-9a-f]+)'.*/\1 \2 \3 \4/")
  [ -n "$a" ] || return 1
  set -- $a
  printf '%04x:%02x:%02x.%x\n' $((0x$1)) $((0x$2)) $((0x$3)) $((0x$4))
}
# hostdev_address PCI: <address type='pci' .../> of a VF given as 0000:bb:ss.f.
hostdev_address () {
  local p=$1
  echo "<address type='pci' domain='0x${p%%:*}' bus='0x$(echo "$p" | cut -d: -f2)' slot='0x$(echo "$p" | cut -d: -f3 | cut -d. -f1)' function='0x${p##*.}'/>"
}
# nested_failover_xml NAME UUID CONSOLE METADATA DEVICES: a VM that direct-boots
# the nested kit in failover mode; its serial is a file opened in append mode,
# so reports survive a save and restore.  FO_PORTS (default 2) spare
# pcie-root-ports: a failover primary must sit on a hot-pluggable port, and a
# hot-plug finds no port libvirt did not add at define time.
nested_failover_xml () {
  local ports= i
  for i in $(seq "${FO_PORTS:-2}"); do ports="$ports<controller type='pci' index='$i' model='pcie-root-port'/>"; done
  cat <<XML
<domain type='qemu'>
  <name>$1</name>
  <uuid>$2</uuid>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <metadata>$4</metadata>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <kernel>/e2e/nested/vmlinuz</kernel>
    <initrd>/e2e/nested/initrd.gz</initrd>
    <cmdline>console=ttyS0 loglevel=4 panic=-1 e2e.mode=failover</cmdline>
  </os>
  <!-- Without <acpi/> libvirt runs QEMU with acpi=off: measured 2026-11-30,
       the guest kernel then drops every PCI function but the host bridge as
       soon as QEMU plugs the failover primary, virtio standby included. -->
  <features><acpi/><apic/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    $ports
    <controller type='usb' model='none'/>
    $5
    <serial type='file'><source path='$3' append='on'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
XML
}

# ---- a second libvirt host (migration) ----------------------------------------------
# Host B is a second libvirtd in its own mount namespace inside this guest:
# its own /run/libvirt, /var/lib/libvirt, /var/log/libvirt, /etc/libvirt
# (host_uuid set, so libvirt sees another host), /etc/vfpool, /run/vfpool and
# /var/lib/vfpool — each a bind mount of a /tmp/hostb-* directory, so this
# side reads B's files there.  Kernel, sysfs, /dev/vfio and the network stack
# are shared: B's pools must use other VFs than A's.  B_URI reaches it.
B_RUN=/tmp/hostb-run
B_URI="qemu+unix:///system?socket=$B_RUN/libvirt-sock"
B_LEASE_DIR=/tmp/hostb-run-vfpool/leases
B_POOLS_DIR=/tmp/hostb-etc-vfpool/pools.d
# Host A's libvirt as seen from inside host B (its own /run/libvirt hides
# A's): vfpoolctl run on B (on_b) reaches A with this URI.
A_URI_FROM_B="qemu+unix:///system?socket=/tmp/hosta-run/libvirt-sock"
vb () { virsh -c "$B_URI" "$@"; }
on_b () { nsenter -t "$(cat /tmp/hostb.pid)" -m -- "$@"; }
host_b_up () {
  local d
  for d in run varlib varlog varcache etc-libvirt etc-vfpool run-vfpool varlib-vfpool; do
    rm -rf "/tmp/hostb-$d"; mkdir -p "/tmp/hostb-$d"
  done
  # the migration stream goes over loopback, which the fixture leaves down
  /sbin/ip link set lo up
  cp -a /etc/libvirt/. /tmp/hostb-etc-libvirt/
  rm -rf /tmp/hostb-etc-libvirt/qemu/*.xml /tmp/hostb-etc-libvirt/qemu/networks/*.xml \
         /tmp/hostb-etc-libvirt/qemu/networks/autostart/*
  sed -i '/^host_uuid/d' /tmp/hostb-etc-libvirt/libvirtd.conf
  echo 'host_uuid = "e2eb0000-0000-4000-8000-00000000000b"' >> /tmp/hostb-etc-libvirt/libvirtd.conf
  mkdir -p "$B_POOLS_DIR" /tmp/hostb-varlib/qemu /tmp/hostb-varcache/qemu /run/vfpool /var/lib/vfpool \
           /tmp/hosta-run
  mountpoint -q /tmp/hosta-run || mount --bind /run/libvirt /tmp/hosta-run
  unshare --mount --propagation private bash -c '
    mount --bind /tmp/hostb-run /run/libvirt
    mount --bind /tmp/hostb-varlib /var/lib/libvirt
    mount --bind /tmp/hostb-varlog /var/log/libvirt
    mount --bind /tmp/hostb-varcache /var/cache/libvirt
    mount --bind /tmp/hostb-etc-libvirt /etc/libvirt
    mount --bind /tmp/hostb-etc-vfpool /etc/vfpool
    mount --bind /tmp/hostb-run-vfpool /run/vfpool
    mount --bind /tmp/hostb-varlib-vfpool /var/lib/vfpool
    # /run itself is shared: the daemons keep their pid files in B'"'"'s run dir.
    virtlogd -d -p /run/libvirt/virtlogd.pid && libvirtd -d -p /run/libvirt/libvirtd.pid || exit 1
    echo $$ > /tmp/hostb.pid
    exec sleep infinity' > /tmp/hostb.log 2>&1 &
  wait_until 60 vb -q version >/dev/null 2>&1 || { cat /tmp/hostb.log; fail "host B's libvirtd did not come up"; }
  vb -q capabilities >/dev/null 2>&1
  vb -q domcapabilities --virttype qemu --machine q35 >/dev/null 2>&1
}
host_b_down () {
  local d
  for d in $(vb -q list --all --name 2>/dev/null); do
    vb -q destroy "$d" >/dev/null 2>&1; vb -q undefine --managed-save "$d" >/dev/null 2>&1
  done
  [ -e /tmp/hostb.pid ] || return 0
  on_b sh -c 'kill $(cat /run/libvirt/libvirtd.pid) $(cat /run/libvirt/virtlogd.pid)' 2>/dev/null
  kill "$(cat /tmp/hostb.pid)" 2>/dev/null
  rm -f /tmp/hostb.pid
  umount /tmp/hosta-run 2>/dev/null
}
# pool_b NAME FIRST LAST [key=value ...]: pool on host B.
pool_b () { POOLS_DIR=$B_POOLS_DIR pool "$@"; }
b_lease_count () { ls "$B_LEASE_DIR" 2>/dev/null | wc -l; }
