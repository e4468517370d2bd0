#!/bin/bash
# enable-vfs.sh: `vfpoolctl enable-vfs` writes sriov_numvfs (and
# sriov_drivers_autoprobe) as sriov.conf says, refuses what the device or the
# leases forbid, and a bad file changes nothing.  On fake sysfs the written
# files are all there is to check: no VFs appear.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb                                    # ens1f0 0000:01:00.0: 7 of 7 VFs
bash "$MKSYSFS" "$T/sys2" off                    # ens1f0: 0 of 7 VFs
PF="$T/sys/devices/pci0000:00/0000:01:00.0"
OFF="$T/sys2/devices/pci0000:00/0000:01:00.0"
echo 1 > "$PF/sriov_drivers_autoprobe"           # mksysfs does not make this one
echo 1 > "$OFF/sriov_drivers_autoprobe"
conf() { printf '%s\n' "$@" > "$T/etc/sriov.conf"; }
numvfs() { cat "$1/sriov_numvfs"; }
mtime() { stat -c %y "$1"; }

out=$(rm -f "$T/etc/sriov.conf"; "$CTL" enable-vfs); rc=$?
check "no sriov.conf: nothing to do, exit 0 ($out)" \
  bash -c "[ $rc = 0 ] && [[ '$out' == *'no VFs to enable'* ]]"

# ---- SR-IOV off -> on -------------------------------------------------------
conf "[pf ens1f0]" "numvfs=4" "drivers-autoprobe=0"
out=$(VFPOOL_SYSFS_ROOT="$T/sys2" "$CTL" enable-vfs --dry-run); rc=$?
check "--dry-run says what it would do ($out)" \
  bash -c "[ $rc = 0 ] && [[ '$out' == *'sriov_numvfs 0 -> 4'*'dry run'* ]]"
check "--dry-run writes nothing" \
  bash -c "[ $(numvfs "$OFF") = 0 ] && [ \$(cat '$OFF/sriov_drivers_autoprobe') = 1 ]"
out=$(VFPOOL_SYSFS_ROOT="$T/sys2" "$CTL" enable-vfs 2>&1); rc=$?
check "0 -> 4 VFs: exit 0 ($out)" test "$rc" = 0
check "sriov_numvfs is 4" test "$(numvfs "$OFF")" = 4
check "sriov_drivers_autoprobe is 0" test "$(cat "$OFF/sriov_drivers_autoprobe")" = 0
check "autoprobe is written before the VFs are made" \
  bash -c "[[ '$out' == *'autoprobe 1 -> 0; sriov_numvfs 0 -> 4'* ]]"

# ---- one non-zero count to another goes through 0 ------------------------
conf "[pf 0000:01:00.0]" "numvfs=3"
out=$("$CTL" enable-vfs 2>&1); rc=$?
check "7 -> 3 by PCI address goes through 0 ($out)" \
  bash -c "[ $rc = 0 ] && [[ '$out' == *'sriov_numvfs 7 -> 0 -> 3'* ]]"
check "sriov_numvfs is 3" test "$(numvfs "$PF")" = 3

before=$(mtime "$PF/sriov_numvfs"); sleep 0.05
out=$("$CTL" enable-vfs 2>&1); rc=$?
check "the same count again writes nothing ($out)" \
  bash -c "[ $rc = 0 ] && [[ '$out' == *'3 VFs already enabled'* ]] && [ '$before' = '$(mtime "$PF/sriov_numvfs")' ]"

conf "[pf ens1f0]" "numvfs=0"
"$CTL" enable-vfs > /dev/null; rc=$?
check "numvfs=0 disables SR-IOV" bash -c "[ $rc = 0 ] && [ $(numvfs "$PF") = 0 ]"
echo 7 > "$PF/sriov_numvfs"

# ---- refusals -------------------------------------------------------------
# expect_refusal WHAT PATTERN: exit 1, PATTERN in stderr, ens1f0 untouched.
expect_refusal() {
  local err rc
  err=$("$CTL" enable-vfs 2>&1 >/dev/null); rc=$?
  if [ "$rc" = 1 ] && [[ "$err" == *$2* ]] && [ "$(numvfs "$PF")" = 7 ]; then
    ok "$1: $err"
  else
    not_ok "$1: rc=$rc numvfs=$(numvfs "$PF") message: $err"
  fi
}
conf "[pf ens1f0]" "numvfs=9"
expect_refusal "more than sriov_totalvfs" "ens1f0]: numvfs=9 but the device supports at most 7 VFs"
conf "[pf ens1f0]" "numvfs=four"
expect_refusal "numvfs not a number" "numvfs: 'four' is not a number"
conf "[pf ens1f0]" "numvfs=2" "colour=blue"
expect_refusal "unknown key" "unknown key 'colour'"
conf "[pf ens1f0]" "numvfs=2" "drivers-autoprobe=yes"
expect_refusal "bad drivers-autoprobe" "drivers-autoprobe: 'yes' is not 0 or 1"
conf "[pf ens1f0]" "numvfs=2" "[pf ../../etc]" "numvfs=1"
expect_refusal "a name that is a path, and nothing else written" "'../../etc' is neither"
conf "[pf ens1f0]"
expect_refusal "missing numvfs" "numvfs is missing"
conf "[nic ens1f0]" "numvfs=2"
expect_refusal "unknown group" "unknown group"
conf "[pf eth9]" "numvfs=2"
expect_refusal "not an SR-IOV PF" "'eth9' is not an SR-IOV physical function"

# A PF that is missing fails alone: the others still get their VFs.
conf "[pf ens9f9]" "numvfs=2" "[pf ens1f0]" "numvfs=5"
err=$("$CTL" enable-vfs 2>&1 >/dev/null); rc=$?
check "a missing PF fails with exit 1 ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"$err\" == *'[pf ens9f9]: there is no network interface'* ]]"
check "the other PF was still configured" test "$(numvfs "$PF")" = 5
echo 7 > "$PF/sriov_numvfs"

# At boot the PF may appear late: --wait keeps looking for it.
# The tree with the late PF is built whole, then swapped in, as a device
# appears with all its attributes at once.
bash "$MKSYSFS" "$T/late" igb && bash "$MKSYSFS" "$T/late" e810
ln -s "$T/sys" "$T/root"
conf "[pf ens1f0]" "numvfs=2" "[pf ens2f0]" "numvfs=1"
( sleep 0.5; ln -sfn "$T/late" "$T/root" ) &
VFPOOL_SYSFS_ROOT="$T/root" "$CTL" enable-vfs --wait 20 > /dev/null; rc=$?; wait
check "--wait finds a PF that appears late" \
  bash -c "[ $rc = 0 ] && [ \$(cat '$T/late/devices/pci0000:00/0000:3b:00.0/sriov_numvfs') = 1 ]"
echo 7 > "$PF/sriov_numvfs"

# ---- leased VFs are not destroyed behind a running VM ----------------------
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0"
domain_xml vm1 1 'pool="tenant"' > "$T/vm1.xml"
hook vm1 prepare begin "$T/vm1.xml"
conf "[pf ens1f0]" "numvfs=2"
expect_refusal "a PF with leased VFs" "its VFs are leased: 0000:01:10.0 (vm1)"
# An unreadable lease may hide a VF in a VM: it blocks as well (before, it
# was skipped and the PF reset under the guest).
cp "$T/run/leases/0000:01:10.0" "$T/lease.bak"
echo "not a lease" > "$T/run/leases/0000:01:10.0"
expect_refusal "a PF with an unreadable lease" "0000:01:10.0 (lease file unreadable)"
cp "$T/lease.bak" "$T/run/leases/0000:01:10.0"
"$CTL" enable-vfs --force > /dev/null; rc=$?
check "--force changes it anyway" bash -c "[ $rc = 0 ] && [ $(numvfs "$PF") = 2 ]"

finish
