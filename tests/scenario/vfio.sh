#!/bin/bash
# vfio.sh: pools with managed=no: the config key, vfpoolctl vfio-bind/unbind
# (driver_override, never new_id; leased VFs skipped), prepare refusing a VF
# not on vfio-pci, and managed='no' in the injected and hot-plugged devices.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

bash "$MKSYSFS" --host "$T/sys" igb
VF0=0000:01:10.0 VF1=0000:01:10.2
# The attributes the kernel has and mksysfs leaves out (nothing else writes
# sysfs).  The fake does not react to writes: binding is simulated below by
# re-pointing the driver links, as tests/sysfs/README describes.
: > "$T/sys/bus/pci/drivers_probe"
: > "$T/sys/bus/pci/drivers/igbvf/unbind"
: > "$T/sys/bus/pci/drivers/vfio-pci/unbind"
for vf in $VF0 $VF1; do : > "$T/sys/devices/pci0000:00/$vf/driver_override"; done
on_vfio() {
  local d="$T/sys/devices/pci0000:00/$1"
  rm -f "$d/driver" && ln -s ../../../bus/pci/drivers/vfio-pci "$d/driver"
}

# 1. the config key: yes|no, anything else named with file, group and value.
POOL_FILE=bad.conf pool "[pool bad]" "pfs=ens1f0#3" "managed=maybe"
err=$("$CTL" status 2>&1 >/dev/null); rc=$?
check "managed=maybe is refused" test "$rc" != 0
check "the refusal names file, group, key and value" \
  bash -c "[[ \"$err\" == *bad.conf*'[pool bad] managed=maybe'*\"managed 'maybe' is not yes or no\"* ]]"
echo "    message: $err"
rm "$T/etc/pools.d/bad.conf"
POOL_FILE=pinned.conf pool "[pool pinned]" "pfs=ens1f0#0-1" "managed=no"
check "managed=no is accepted" bash -c "'$CTL' status >/dev/null"

# 2. prepare refuses a managed=no VF that is not on vfio-pci, saying how to fix it.
domain_xml d1 1 'pool="pinned"' > "$T/d1.xml"
err=$(hook d1 prepare begin "$T/d1.xml" 2>&1 >/dev/null); rc=$?
check "prepare refused with exit 1" test "$rc" = 1
check "refusal names domain, VF, driver and the fix" \
  bash -c "[[ \"$err\" == *\"domain 'd1'\"*$VF0*igbvf*\"vfpoolctl vfio-bind pinned\"* ]]"
echo "    message: $err"
# explain predicts that refusal (the same check), exit 1 as the man page says.
out=$(VFPOOL_LIBVIRT_URI=test:///default "$CTL" explain --xml "$T/d1.xml" 2>&1); rc=$?
check "explain of the refused start exits 1" test "$rc" = 1
check "explain names the VF, its driver and the refusal" \
  bash -c "[[ \"$out\" == *'[not-vfio]'*\"VF $VF0 is bound to igbvf, not vfio-pci\"*'the start would be refused'* ]]"
echo "    explain: $out"
stop_domain d1 "$T/d1.xml"
check "refused prepare leaves no lease and no VF change" test "$(lease_count)" = 0 -a ! -e "$T/nl.log"

# 3. vfio-bind: driver_override, unbind, drivers_probe.  The fake ignores
# the writes, so the VFs stay on igbvf: that is a failure, one line per VF
# naming it and the driver it is on.
err=$("$CTL" vfio-bind pinned 2>&1 >/dev/null); rc=$?
check "vfio-bind of VFs that stay on igbvf exits 1" test "$rc" = 1
check "... one line per VF" test "$(grep -c '' <<< "$err")" = 2
check "... naming the VF and its driver" \
  bash -c "[[ \"$err\" == *\"VF $VF0 did not bind to vfio-pci: it is on igbvf\"* ]]"
echo "    message: $err"
check "vfio-bind set driver_override on both VFs" \
  bash -c "[ \"\$(cat '$T/sys/devices/pci0000:00/$VF0/driver_override')\" = vfio-pci ] && [ \"\$(cat '$T/sys/devices/pci0000:00/$VF1/driver_override')\" = vfio-pci ]"
check "vfio-bind unbound the VF from igbvf and probed it" \
  bash -c "[ \"\$(cat '$T/sys/bus/pci/drivers/igbvf/unbind')\" = $VF1 ] && [ \"\$(cat '$T/sys/bus/pci/drivers_probe')\" = $VF1 ]"
check "vfio-bind never uses new_id" test ! -e "$T/sys/bus/pci/drivers/vfio-pci/new_id"
# What the kernel does on the probe: both VFs on vfio-pci.
on_vfio $VF0; on_vfio $VF1
out=$("$CTL" vfio-bind pinned); rc=$?
check "vfio-bind of VFs on vfio-pci exits 0" test "$rc" = 0
check "vfio-bind prints one line per VF" test "$(grep -c ': vfio-pci$' <<< "$out")" = 2

# 4. boot-time path: the injected device is managed='no'; prepare now passes.
domain_xml d2 2 'pool="pinned"' > "$T/d2.xml"
"$CTL" inject < "$T/d2.xml" > "$T/d2-live.xml"
check "injected hostdev carries managed='no'" \
  grep -q "<hostdev mode=.subsystem. type=.pci. managed=.no.>" "$T/d2-live.xml"
check "the lease records managed=no" grep -qx "managed=no" "$T/run/leases/$VF0"
check "d2 starts once its VF is on vfio-pci" start_plain d2 "$T/d2-live.xml"

# 5. plain start: the hot-plugged device is managed='no' too.
check "d1 prepare/start/started succeed now" start_plain d1 "$T/d1.xml"
check "hot-plug attaches d1's VF with managed='no'" \
  wait_for "$T/attach.log" "attach $(uuid_of 1) .*managed=.no."

# 6. vfio-unbind skips leased VFs with a warning; the free one goes back.
stop_domain d1 "$T/d1.xml"
: > "$T/sys/bus/pci/drivers_probe"
err=$("$CTL" vfio-unbind pinned 2>&1 >"$T/unbind.out"); rc=$?
check "vfio-unbind exits 0" test "$rc" = 0
check "the VF leased to d2 is skipped with a warning" \
  bash -c "[[ \"$err\" == *\"warning: VF $VF0\"*\"leased to domain 'd2', skipped\"* ]]"
check "the free VF is unbound from vfio-pci and probed" \
  bash -c "[ \"\$(cat '$T/sys/bus/pci/drivers/vfio-pci/unbind')\" = $VF1 ] && [ \"\$(cat '$T/sys/bus/pci/drivers_probe')\" = $VF1 ]"
check "its driver_override is cleared" \
  bash -c "[ \"\$(cat '$T/sys/devices/pci0000:00/$VF1/driver_override')\" = '' ]"
check "the leased VF's override is untouched" \
  bash -c "[ \"\$(cat '$T/sys/devices/pci0000:00/$VF0/driver_override')\" = vfio-pci ]"
check "vfio-unbind prints one line (the free VF)" test "$(grep -c '' "$T/unbind.out")" = 1
err=$("$CTL" vfio-bind nosuch 2>&1 >/dev/null); rc=$?
check "unknown pool is refused, exit 1, naming the pools there are ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *\"no pool 'nosuch'\"*'(pools: '* ]]" _ "$err"
stop_domain d2 "$T/d2-live.xml"

finish
