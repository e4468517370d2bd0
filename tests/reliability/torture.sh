#!/bin/bash
# torture.sh: random start / stop / crash / reconnect / reconcile operations
# on 32 domains and 16 VFs, 8 at a time, as libvirt sequences them; the hook
# and vfpoolctl are killed (SIGKILL) at random crash points.  Also: destroy +
# restart while the first start's hot-plug worker still waits (restart), a
# `vfpoolctl inject` + create racing a plain start of the same domain (race),
# and domain names with spaces and UTF-8.  After every round of 8: every
# lease is aged past reconcile's grace period (so only liveness protects a
# running domain), one reconcile, then the invariants (invariants.py): no VF
# leased twice, every leased VF configured as its live owner asked, every
# free VF in its original state, no lease without a live owner, nothing
# quarantined.
#   TORTURE_OPS=N (default 200 in make check, 600 in make torture)
#   TORTURE_SEED=N (default 20240611; printed, so any run can be replayed)
. "$VFP_TOP_SRCDIR/tests/reliability/rel-lib.sh"

OPS=${TORTURE_OPS:-${TORTURE_DEFAULT_OPS:-200}}
SEED=${TORTURE_SEED:-20240611}
DOMAINS=32 VFS=16 PAR=8
PREPARE_POINTS=(after-lease-link after-claim after-original after-knob-mac after-knob-vlan
  after-knob-spoofchk after-knob-trust after-knob-link-state after-configured after-claim:2
  after-configured:2 rollback)
# Where a release dies: after the restore, or after the lease index byte
# was cleared (lease file still there).
RELEASE_POINTS=(after-restore after-index-clear)
echo "    seed: $SEED (TORTURE_SEED=$SEED replays this run), operations: $OPS"
RANDOM=$SEED

make_host scale:1:$VFS
POOL_FILE=pool.conf pool "[pool p]" "pfs=ens1f0" "spoofchk=on"
for n in $(seq 0 $((VFS - 1))); do seed_vf ens1f0 "$n" "$(printf '02:00:00:00:01:%02x' "$n")" "$((n + 1))"; done
cp -r "$T/nl.log.d" "$T/orig.d"
mkdir -p "$T/dom" "$T/locks"
declare -a NICS NAME
for n in $(seq 1 $DOMAINS); do
  # libvirt accepts any name without '/': vfpool must find their QEMU too
  case $((n % 8)) in 3) NAME[$n]="t $n" ;; 6) NAME[$n]="tü-$n" ;; *) NAME[$n]="t$n" ;; esac
  a="pool=\"p\" vlan=\"$((100 + n))\""
  [ $((n % 2)) = 1 ] && a="$a trust=\"on\""
  [ $((n % 3)) = 0 ] && a="$a spoofchk=\"off\""
  [ $((n % 4)) = 0 ] && a="$a link-state=\"enable\""
  if [ $((n % 5)) = 0 ]; then
    domain_xml "${NAME[$n]}" "$n" "$a" 'pool="p" vlan="7"' > "$T/t$n.xml"; NICS[$n]=2
  else
    domain_xml "${NAME[$n]}" "$n" "$a" > "$T/t$n.xml"; NICS[$n]=1
  fi
done

# serial_start N XML: a start as libvirt serialises it per domain: refused
# ("already running", no hook called) while the domain runs.
serial_start() {
  ( flock 9; [ -f "$T/qemu/${NAME[$1]}" ] && exit 1; lv_start "" "${NAME[$1]}" "$1" "$2" ) \
    9> "$T/locks/$1"
}

# op N KIND ARG: one operation on domain N; writes the domain's new state
# (running/stopped) to $T/dom/N.
op() {
  local n=$1 kind=$2 arg=$3 d="${NAME[$1]}" x="$T/t$1.xml" rc
  case $kind in
    restart)
      # the first start's worker waits (attach.log.hold) until the round
      # ends; by then the domain was destroyed and started again
      touch "$T/attach.log.hold"
      lv_start "" "$d" "$n" "$x" && lv_stop "" "$d" "$x"
      lv_start "" "$d" "$n" "$x"; rc=$? ;;
    race)
      # `vfpoolctl inject` + create (what `vfpoolctl start` and pipelines
      # do) against a plain start; the loser undoes only its own reservation
      ( fctl "" inject < "$x" > "$T/$n-live.xml" && serial_start "$n" "$T/$n-live.xml" \
          || "$CTL" release --injected "$T/$n-live.xml" > /dev/null 2>&1 ) &
      serial_start "$n" "$x"
      wait
      rc=$([ -f "$T/qemu/$d" ] && echo 0 || echo 1) ;;
    start) lv_start "$arg" "$d" "$n" "$x"; rc=$? ;;
    start-boot)
      fctl "$arg" inject < "$x" > "$T/$d-live.xml"; rc=$?
      # a dead `vfpoolctl start` is run again (nothing else would free its
      # reservation before reconcile's grace period)
      [ "$rc" = 137 ] && { "$CTL" inject < "$x" > "$T/$d-live.xml" 2>/dev/null; rc=$?; }
      [ "$rc" = 0 ] && { lv_start "" "$d" "$n" "$T/$d-live.xml"; rc=$?; } ;;
    stop) lv_stop "$arg" "$d" "$x"; rc=1 ;;
    crash) qemu_down "$d"; fhook "$arg" "$d" release end "$x"; rc=1 ;;   # QEMU died; no stopped end
    reconnect) fhook "" "$d" reconnect begin "$x"; rc=0 ;;
    reconcile) fctl "$arg" reconcile > /dev/null; rc=$([ -f "$T/qemu/$d" ] && echo 0 || echo 1) ;;
  esac
  if [ "$rc" = 0 ]; then echo running > "$T/dom/$n"; else rm -f "$T/dom/$n"; fi
}

# Wait until no hot-plug worker is left (a stale one that released a VF
# late would otherwise escape the check).
wait_workers() {
  rm -f "$T/attach.log.hold"
  workers_done
}

ops=0 violations=0 kills=0 rounds=0 refused=0
declare -A COUNT
while [ "$ops" -lt "$OPS" ]; do
  rounds=$((rounds + 1))
  for w in $(seq 0 $((PAR - 1))); do
    # slot w owns domains w+1, w+9, ...: one domain's operations never overlap
    n=$(( w + 1 + PAR * (RANDOM % (DOMAINS / PAR)) ))
    r=$((RANDOM % 100)) arg=""
    if [ -f "$T/dom/$n" ]; then
      if [ $r -lt 35 ]; then kind=stop
      elif [ $r -lt 50 ]; then kind=stop arg=${RELEASE_POINTS[RANDOM % 2]}
      elif [ $r -lt 65 ]; then kind=crash
      elif [ $r -lt 75 ]; then kind=crash arg=after-restore
      elif [ $r -lt 90 ]; then kind=reconnect
      else kind=reconcile; [ $((RANDOM % 2)) = 0 ] && arg=after-restore; fi
    else
      if [ $r -lt 30 ]; then kind=start
      elif [ $r -lt 50 ]; then kind=start arg=${PREPARE_POINTS[RANDOM % ${#PREPARE_POINTS[@]}]}
      elif [ $r -lt 65 ]; then kind=start-boot
      elif [ $r -lt 72 ]; then kind=start-boot arg=after-claim
      elif [ $r -lt 82 ]; then kind=restart
      elif [ $r -lt 92 ]; then kind=race
      else kind=reconcile; fi
    fi
    COUNT[$kind${arg:+!}]=$(( ${COUNT[$kind${arg:+!}]:-0} + 1 ))
    op "$n" "$kind" "$arg" > "$T/op$w.log" 2>&1 &
  done
  wait
  wait_workers
  ops=$((ops + PAR))
  kills=$((kills + $(grep -c Killed "$T"/op*.log | awk -F: '{s += $2} END {print s}')))
  # Nothing is starting now: only liveness (QEMU pid, libvirt's pid file,
  # whatever the name) may keep a lease through reconcile.
  for f in "$T"/run/leases/*; do [ -f "$f" ] && sed -i 's/^created=.*/created=1/' "$f"; done
  "$CTL" reconcile > "$T/reconcile.txt" 2>&1
  running=()
  for f in "$T"/dom/*; do [ -f "$f" ] && running+=("${NAME[${f##*/}]}:${NICS[${f##*/}]}"); done
  if ! out=$(invariants ens1f0 $VFS "${running[@]}"); then
    v=$(grep -c violation <<< "$out"); violations=$((violations + v))
    echo "    round $rounds (after $ops operations, ${#running[@]} running):"; echo "$out"
  fi
done

# The end: everything stops; nothing may be left.
for f in "$T"/dom/*; do [ -f "$f" ] && lv_stop "" "${NAME[${f##*/}]}" "$T/t${f##*/}.xml"; done
wait_workers
"$CTL" reconcile > /dev/null
out=$(invariants ens1f0 $VFS) || { violations=$((violations + $(grep -c violation <<< "$out"))); echo "$out"; }

echo "    rounds: $rounds of $PAR in parallel; by kind (! = with a crash point armed):"
for k in "${!COUNT[@]}"; do printf '      %-14s %s\n' "$k" "${COUNT[$k]}"; done | sort
echo "    processes killed at a crash point: $kills"
echo "operations: $ops, invariant violations: $violations"
check "torture: $ops operations, seed $SEED, no invariant violated" test "$violations" = 0
check "torture: every VF free and original at the end" test "$(lease_count)" = 0
finish
