# rel-lib.sh: shared setup for the reliability tests: the scenario setup
# (tests/scenario/lib.sh: fake sysfs, fake netlink, temp state dir) plus the
# fault-injection builds of the hook and vfpoolctl, fake QEMU processes and
# the invariant checker.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"
: "${VFP_REL_BIN:?run through make check}"
HOOKF="$VFP_REL_BIN/vfpool-hook-fault"
CTLF="$VFP_REL_BIN/vfpoolctl-fault"
INVARIANTS="$VFP_TOP_SRCDIR/tests/reliability/invariants.py"
mkdir -p "$T/qemu"
trap 'for f in "$T"/qemu/*; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done; rm -rf "$T"' EXIT

# fhook POINT NAME OP SUB XML: the hook as libvirt runs it, dying at POINT
# ("" = nowhere).  Exit status 137 = killed at the point.
fhook() {
  local point=$1; shift
  hook_env VFPOOL_FAULT="$point" "$HOOKF" "$1" "$2" "$3" - < "$4" 2>/dev/null
}
# fctl POINT ARGS...: vfpoolctl dying at POINT.
fctl() { local point=$1; shift; VFPOOL_FAULT="$point" "$CTLF" "$@" 2>/dev/null; }

# qemu_up NAME N: the domain's QEMU (fake_qemu in tests/scenario/lib.sh)
# and libvirt's pid file for it, written only once the process is that QEMU,
# as libvirt does (before, the pid was published while the forked child
# still ran this script: a reconcile then took the running domain for gone
# and freed its VF).
qemu_up() {
  fake_qemu "$1" "$(uuid_of "$2")"
  echo "$FAKE_QEMU_PID" > "$T/qemu/$1"
  echo "$FAKE_QEMU_PID" > "$T/libvirt/$1.pid"
}
qemu_down() {
  [ -f "$T/qemu/$1" ] || return 0
  kill "$(cat "$T/qemu/$1")" 2>/dev/null
  wait "$(cat "$T/qemu/$1")" 2>/dev/null
  rm -f "$T/qemu/$1" "$T/libvirt/$1.pid"
}

# What libvirt does around the hook (docs/DESIGN.md §1), with POINT armed in
# the call named by WHERE (prepare or release).
# lv_start POINT NAME N XML: prepare, and if that fails, stopped + release
# end (unarmed); otherwise QEMU starts and start + started follow.
# Returns the prepare status (137 = the hook was killed).
lv_start() {
  local rc
  fhook "$1" "$2" prepare begin "$4"; rc=$?
  if [ "$rc" != 0 ]; then
    fhook "" "$2" stopped end "$4"; fhook "" "$2" release end "$4"
    return "$rc"
  fi
  qemu_up "$2" "$3"
  fhook "" "$2" start begin "$4"; fhook "" "$2" started begin "$4"
  return 0
}
# workers_done: wait (at most 10 s) until no hot-plug worker of the fault
# build is left: the hook's detached fork, then the vfpool-hotplug it execs
# (argv[0] its full path).  A worker plugs, or releases the VF of a start
# whose QEMU is gone, a moment after started begin; a test that stops QEMU
# right after a start waits for it first.
workers_done() {
  for _ in $(seq 100); do
    pgrep -f "vfpool-hook-fault .* started begin|$VFP_REL_BIN/vfpool-hotplug" > /dev/null \
      || return 0
    sleep 0.1
  done
  echo "    hot-plug workers still running after 10 s" >&2
}
# lv_stop POINT NAME XML: QEMU goes, stopped end, release end (armed).
lv_stop() {
  qemu_down "$2"
  fhook "" "$2" stopped end "$3"
  fhook "$1" "$2" release end "$3"
}

# invariants PF NVFS [NAME:NICS...]: see invariants.py; ORIG is the fake
# backend's state dir as seeded before anything ran.
invariants() { python3 "$INVARIANTS" "$T/run" "$T/nl.log.d" "$T/orig.d" "$@"; }
