#!/bin/bash
# crash-points.sh: for every crash point x every path (plain start,
# boot-time path, release, rollback) kill the process there with SIGKILL,
# let what follows in real life happen (libvirt's release end, a rerun of
# `vfpoolctl start`, reconcile), and check that nothing is lost: no lease
# without a live owner, every VF back in its original state, and the pool
# still works.  Prints the points x outcomes table of docs/RELIABILITY.md.
. "$VFP_TOP_SRCDIR/tests/reliability/rel-lib.sh"

POINTS="after-lease-link after-claim after-original after-knob-mac after-knob-vlan after-knob-spoofchk
after-knob-trust after-knob-rate after-knob-link-state after-configured after-restore
after-index-clear rollback"
PATHS="plain boot-time release+reconcile release+release rollback"

make_host scale:2:4
POOL_FILE=pools.conf pool "[pool tenant]" "pfs=ens1f0#0-1" "[pool other]" "pfs=ens2f0#0"
# Every knob, so every after-knob-* point is on the way.
ALL='pool="tenant" mac="52:54:00:00:00:01" vlan="100" qos="2" spoofchk="off" trust="on" min-tx-rate="10" max-tx-rate="100" link-state="enable"'
domain_xml d1 1 "$ALL" > "$T/d1.xml"
domain_xml d2 2 "$ALL" 'pool="other" vlan="5" trust="on"' > "$T/d2.xml"

reset_host() {
  workers_done    # the last cell's worker acts on that cell's host only
  for f in "$T"/qemu/*; do [ -f "$f" ] && qemu_down "$(basename "$f")"; done
  rm -rf "$T/run" "$T/lib" "$T/nl.log" "$T/nl.log.d" "$T/nl.log.rules" "$T/attach.log"
  mkdir -p "$T/run" "$T/lib"
  seed_vf ens1f0 0 02:00:00:00:00:a0 7
  seed_vf ens1f0 1 02:00:00:00:00:a1 8
  seed_vf ens1f0 2 02:00:00:00:00:a2 9
  rm -rf "$T/orig.d"; cp -r "$T/nl.log.d" "$T/orig.d"
}

# One cell: run PATH with POINT armed; echo "killed"/"not reached" and
# return non-zero with the violations printed if the end state is not clean.
cell() {
  local point=$1 path=$2 rc what out
  reset_host
  case $path in
    plain)
      lv_start "$point" d1 1 "$T/d1.xml"; rc=$?
      [ "$rc" = 0 ] && lv_stop "" d1 "$T/d1.xml"
      ;;
    boot-time)
      # vfpoolctl start = inject (lease, add devices) + create -> prepare.
      fctl "$point" inject < "$T/d1.xml" > "$T/live.xml"; rc=$?
      if [ "$rc" = 137 ]; then
        # Nobody else cleans up after a dead `vfpoolctl start`: it is run
        # again, and must take up the VF it reserved, not lease a second one.
        "$CTL" inject < "$T/d1.xml" > "$T/live.xml" || return 1
        [ "$(lease_count)" = 1 ] || { echo "rerun leased a second VF"; return 1; }
        lv_start "" d1 1 "$T/live.xml" || return 1
      else
        lv_start "$point" d1 1 "$T/live.xml"; rc=$?
      fi
      [ -f "$T/qemu/d1" ] && lv_stop "" d1 "$T/live.xml"
      ;;
    release+reconcile|release+release)
      lv_start "" d1 1 "$T/d1.xml" || return 1
      out=$(invariants ens1f0 4 d1:1) || { echo "$out"; return 1; }
      lv_stop "$point" d1 "$T/d1.xml"; rc=$?
      if [ "$path" = release+release ]; then
        fhook "" d1 release end "$T/d1.xml"     # idempotent
      else
        "$CTL" reconcile > /dev/null             # libvirt sends nothing more
      fi
      ;;
    rollback)
      # d2's second VF refuses trust: prepare unwinds nic 1's VLAN and all
      # of nic 0, which is configured by then.
      echo "ens2f0 trust EPERM" > "$T/nl.log.rules"
      lv_start "$point" d2 2 "$T/d2.xml"; rc=$?
      [ "$rc" = 0 ] && { echo "d2 started although trust was refused"; return 1; }
      [ "$rc" = 137 ] || rc=0
      rm -f "$T/nl.log.rules"
      out=$(invariants ens2f0 4) || { echo "$out"; return 1; }
      ;;
  esac
  [ "$rc" = 137 ] && what=killed || what="not reached"
  out=$(invariants ens1f0 4) || { echo "$out"; return 1; }
  [ -z "$(ls "$T/run/owners" 2>/dev/null)" ] || { echo "owner index entries left"; return 1; }
  # The pool still works: a normal start and stop on the same host.
  lv_start "" d1 1 "$T/d1.xml" || { echo "d1 cannot start afterwards"; return 1; }
  out=$(invariants ens1f0 4 d1:1) || { echo "$out"; return 1; }
  lv_stop "" d1 "$T/d1.xml"
  out=$(invariants ens1f0 4) || { echo "$out"; return 1; }
  echo "$what"
}

declare -A RESULT
killed=0
for point in $POINTS; do
  for path in $PATHS; do
    if out=$(cell "$point" "$path"); then
      [ "$out" = killed ] && killed=$((killed + 1))
      RESULT[$point,$path]="$out, clean"
      ok "$point / $path: $out, clean"
    else
      RESULT[$point,$path]="FAIL"
      not_ok "$point / $path: $out"
    fi
  done
done

# The table, as in docs/RELIABILITY.md.
{
  printf '| point |'; for p in $PATHS; do printf ' %s |' "$p"; done; echo
  printf '|---|'; for p in $PATHS; do printf -- '---|'; done; echo
  for point in $POINTS; do
    printf '| `%s` |' "$point"
    for path in $PATHS; do printf ' %s |' "${RESULT[$point,$path]}"; done; echo
  done
} | tee "$T/table.md"
echo "    cells: $(( $(wc -w <<< "$POINTS") * $(wc -w <<< "$PATHS") )), processes killed: $killed"
[ -n "${CRASH_TABLE_OUT:-}" ] && cp "$T/table.md" "$CRASH_TABLE_OUT"

# Boot-time path, a `vfpoolctl start` killed after its claim and never run
# again: reconcile frees the reservation once the start grace period is over
# (simulated by back-dating the lease), and not before.
reset_host
fctl after-claim inject < "$T/d1.xml" > /dev/null
"$CTL" reconcile > "$T/rec.txt"
check "dead inject: reconcile keeps a fresh reservation (may be starting)" test "$(lease_count)" = 1
sed -i 's/^created=.*/created=1000/' "$T"/run/leases/*
"$CTL" reconcile > "$T/rec.txt"
check "dead inject: reconcile frees it after the grace period" test "$(lease_count)" = 0
out=$(invariants ens1f0 4); check "dead inject: clean after reconcile $out" test -z "$out"

finish
