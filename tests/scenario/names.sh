#!/bin/bash
# names.sh: domain names libvirt accepts but that are not plain ASCII words
# (a space, non-ASCII, shell metacharacters, control characters): a running
# one keeps its VF, and vfpoolctl shows them quoted.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-2"
web="web 1"
utf8=$(printf 'w\303\251b-\303\274')
domain_xml "$web" 5 'pool="tenant"' > "$T/web.xml"
domain_xml "$utf8" 6 'pool="tenant"' > "$T/utf8.xml"

# up NAME N XML: the domain's QEMU, libvirt's pid file, then the hooks.
up() {
  fake_qemu "$1" "$(uuid_of "$2")" || return 1
  KEEP_PIDS="${KEEP_PIDS:-} $FAKE_QEMU_PID"
  echo "$FAKE_QEMU_PID" > "$T/libvirt/$1.pid"
  start_plain "$1" "$3"
}
# down NAME: its QEMU exits and libvirt removes the pid file.
down() { local pid; pid=$(cat "$T/libvirt/$1.pid"); kill "$pid"; wait "$pid" 2>/dev/null
         rm -f "$T/libvirt/$1.pid"; }

check "'$web' starts" up "$web" 5 "$T/web.xml"
check "'$utf8' starts" up "$utf8" 6 "$T/utf8.xml"
check "'$web': started recorded the QEMU pid" \
  grep -qx "qemu-pid=$(cat "$T/libvirt/$web.pid")" "$T/run/leases/$(lease_of "$web")"
check "'$utf8': started recorded the QEMU pid" \
  grep -qx "qemu-pid=$(cat "$T/libvirt/$utf8.pid")" "$T/run/leases/$(lease_of "$utf8")"
# Both have run for longer than the grace period (vfp-liveness.h).
sed -i 's/^created=.*/created=1000000000/' "$T"/run/leases/*

# libvirtd is unreachable (record: URI): only the QEMU pid tells.
"$CTL" reconcile > "$T/rec1.txt"
check "reconcile keeps '$web' (running)" test -n "$(lease_of "$web")"
check "reconcile keeps '$utf8' (running)" test -n "$(lease_of "$utf8")"
check "release '$web' without --force refuses (running)" \
  bash -c "! '$CTL' release '$web' 2>/dev/null"
check "... and its lease stays" test -n "$(lease_of "$web")"

down "$web"
check "release '$web' once its QEMU is gone" "$CTL" release "$web"
check "... frees its VF" test -z "$(lease_of "$web")"
down "$utf8"
"$CTL" reconcile > "$T/rec2.txt"
check "reconcile frees '$utf8' once its QEMU is gone" test -z "$(lease_of "$utf8")"

# Text output shows such names as one shell word: quoted, control
# characters escaped, never raw (a newline would forge a row, ESC drives
# the terminal).  libvirt accepts the first name; the lease file is edited
# for the second, which no XML could carry.
evil="x'; rm -rf /;'"
domain_xml "$evil" 7 'pool="tenant"' > "$T/evil.xml"
check "\"$evil\" starts" start_plain "$evil" "$T/evil.xml"
"$CTL" status > "$T/status1.txt"
check "status shows \"$evil\" shell-quoted" \
  grep -qF "'x'\\''; rm -rf /;'\\'''" "$T/status1.txt"
esc_lease="$T/run/leases/$(lease_of "$evil")"
sed -i "s/^owner-name=.*/owner-name=$(printf 'a\033[2Jb')/" "$esc_lease"
"$CTL" status > "$T/status2.txt"
check "status never prints the ESC of a name" bash -c "! grep -q $'\033' '$T/status2.txt'"
check "... but shows it escaped" grep -qF "\$'a\\x1b[2Jb'" "$T/status2.txt"
"$CTL" reconcile > "$T/rec3.txt"
check "reconcile never prints the ESC of a name" bash -c "! grep -q $'\033' '$T/rec3.txt'"
check "... but shows it escaped" grep -qF "domain 'a\\x1b[2Jb'" "$T/rec3.txt"

finish
