#!/bin/bash
# bench/bench-start.sh: make bench-e2e — start latency in the igb fixture: vfpoolctl start vs libvirt's own hostdev network, the plain virsh start path's hot-plug delay, and the hook's share of a start.  Prints numbers, asserts nothing about them.
# e2e-timeout: 900
#
# Runs inside the guest as an extra scenario (run-e2e.sh).  One VF (VF 0) and
# one domain shape (lib.sh's tiny q35 domain with no disk and no OS) for every
# case; per round, in this order:
#   A  vfpoolctl start bench-vfp     (lease + configure + virDomainCreateXML)
#   B  virsh start bench-net         (<interface type='network'> on a
#                                     <forward mode='hostdev' managed='yes'>
#                                     network holding the same VF)
#   C  virsh start bench-vfp         (hook leases at prepare, its worker
#                                     hot-plugs): the delay from virsh start
#                                     returning until ua-vfpool-0 is in the
#                                     live XML, by polling and by libvirt's
#                                     device-added event
#   D  vfpoolctl start bench-vfp
# C and D run the hook behind a timing shim: the hook calls' sum against the
# whole start.  A and B run without it.
# Every round destroys the domain and waits until the lease is gone and the VF
# is back on igbvf before the next case.  A failing start is the harness
# breaking (exit 1); the numbers themselves are never judged.
# Progress and results go to the console as "e2e: bench| …" lines, which the
# host prints as they come and bench-e2e collects into bench-e2e-results.txt.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
. /e2e/config
set -u

ROUNDS=${E2E_BENCH_ROUNDS:-10}
BUDGET=${E2E_BENCH_BUDGET:-270}    # seconds of measuring; rounds stop early past it
MAC_VFP=52:54:00:e2:00:91
MAC_NET=52:54:00:e2:00:92
VLAN=100
NET=bench-hostdev
HOOK=/usr/sbin/vfpool-hook
HOOK_LOG=/run/bench-hook.log
DATA=/tmp/bench
mkdir -p "$DATA"
rm -f "$DATA"/*

# Lines for the host: written to the console directly, because a scenario's
# own output only reaches the host if it fails.
out () {
  echo "e2e: bench| $*"
  { echo "e2e: bench| $*" > /dev/console; } 2>/dev/null
}
now_us () { echo "${EPOCHREALTIME/./}"; }
ms () { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
rec () { echo "$2" >> "$DATA/$1"; }   # SERIES VALUE

# ---- the two domains, same shape, same VF ----------------------------------------
pool bench 0 0
VF=$(vf_pci 0)
[ "$(vf_driver 0)" = igbvf ] || fail "VF 0 ($VF) is on $(vf_driver 0), not igbvf"
define_domain bench-vfp 91 "pool=\"bench\" vlan=\"$VLAN\" mac=\"$MAC_VFP\""

IFS=':.' read -r a_dom a_bus a_slot a_fn <<< "$VF"
cat > /tmp/$NET.xml <<EOF
<network>
  <name>$NET</name>
  <forward mode='hostdev' managed='yes'>
    <address type='pci' domain='0x$a_dom' bus='0x$a_bus' slot='0x$a_slot' function='0x$a_fn'/>
  </forward>
</network>
EOF
virsh -q net-define /tmp/$NET.xml >/dev/null || fail "virsh net-define $NET"
virsh -q net-start $NET >/dev/null || fail "virsh net-start $NET"
IFACE="    <interface type='network'><mac address='$MAC_NET'/><source network='$NET'/><vlan><tag id='$VLAN'/></vlan></interface>"
domain_xml bench-net "$(dom_uuid 92)" '' | sed '/<metadata>/,/<\/metadata>/d' \
  | sed "s|^  </devices>|$IFACE\n  </devices>|" > /tmp/bench-net.xml
virsh -q define /tmp/bench-net.xml >/dev/null || fail "virsh define bench-net"

# ---- the timing shim ------------------------------------------------------------
# libvirt runs qemu.d/vfpool -> /usr/sbin/vfpool-hook; for C and D that path
# becomes a shim that times the real hook and appends "op sub ms" to
# HOOK_LOG.  The shim's own bash start is outside the figure.
mv "$HOOK" "$HOOK.real" || fail "cannot move $HOOK aside"
trap 'rm -f "$HOOK"; mv "$HOOK.real" "$HOOK"; virsh -q net-destroy $NET >/dev/null 2>&1; virsh -q net-undefine $NET >/dev/null 2>&1' EXIT
cat > /tmp/bench-hook-shim <<EOF
#!/bin/bash
t0=\${EPOCHREALTIME/./}
$HOOK.real "\$@"
rc=\$?
d=\$(( \${EPOCHREALTIME/./} - t0 ))
printf '%s %s %d.%03d\n' "\$2" "\$3" \$((d / 1000)) \$((d % 1000)) >> $HOOK_LOG
exit \$rc
EOF
chmod 0755 /tmp/bench-hook-shim
use_hook () {   # real|shim
  local target=$HOOK.real
  [ "$1" = shim ] && target=/tmp/bench-hook-shim
  ln -sfn "$target" "$HOOK.new" && mv -T "$HOOK.new" "$HOOK"
}
use_hook real
# Sum of the hook calls that ran during a start (prepare, start, started).
hook_sum () { awk '$1 != "release" && $1 != "stopped" { s += $3 } END { printf "%.1f", s }' "$HOOK_LOG"; }

# ---- polling the live XML through one virsh session -------------------------------
# One `virsh dumpxml` exec costs far more than 0.1 s under TCG; a virsh shell
# kept open answers in one RPC, and --xpath keeps the answer to two lines:
# the alias's name if the device is there, then the memballoon's model,
# which comes after every <hostdev> in libvirt's order and ends the answer.
coproc VSH { virsh -q 2>&1; }
vsh_has_alias () {   # DOMAIN -> 0 alias there, 1 not yet, 2 error
  local line found=1
  echo "dumpxml $1 --xpath \"//alias[@name='$E2E_HOOK_ALIAS']/@name | /domain/devices/memballoon/@model\"" >&"${VSH[1]}"
  while IFS= read -r -t 20 line <&"${VSH[0]}"; do
    case $line in
      *" name=\"$E2E_HOOK_ALIAS\""*) found=0 ;;
      *' model="'*) return $found ;;
      *error:*) echo "virsh dumpxml $1: $line"; return 2 ;;
    esac
  done
  return 2
}

# ---- one case each ----------------------------------------------------------------
vf_free () { no_leases && [ "$(vf_driver 0)" = igbvf ]; }
stop () {   # DOMAIN [SERIES for the destroy time]
  local t0 t1
  t0=$(now_us)
  virsh -q destroy "$1" >/dev/null || fail "virsh destroy $1"
  t1=$(now_us)
  [ -n "${2:-}" ] && rec "$2" "$(ms "$t0" "$t1")"
  wait_until 60 vf_free || { show_leases; fail "after destroying $1: VF 0 is not free (driver $(vf_driver 0), $(lease_count) leases)"; }
}
timed () {   # SERIES COMMAND...: wall time of COMMAND in ms -> $T
  local t0 t1 o
  t0=$(now_us)
  o=$("${@:2}" 2>&1) || fail "$* failed: $o"
  t1=$(now_us)
  T=$(ms "$t0" "$t1")
  [ "$1" = - ] || rec "$1" "$T"
}
case_a () { timed A vfpoolctl start bench-vfp; live_has_hostdev bench-vfp || fail "A: no $E2E_HOOK_ALIAS after vfpoolctl start"; stop bench-vfp A.stop; }
case_b () { timed B virsh -q start bench-net; stop bench-net B.stop; }
# The hook calls of the start just timed: their sum and share of $T, per op.
hook_figures () {   # SERIES
  rec "$1.hook" "$(hook_sum)"
  rec "$1.share" "$(awk -v h="$(hook_sum)" -v t="$T" 'BEGIN { printf "%.1f", 100 * h / t }')"
  awk '$1 != "release" && $1 != "stopped" { print $1 "_" $2, $3 }' "$HOOK_LOG" \
    | while read -r k v; do echo "$v" >> "$DATA/$1.op.$k"; done
}
case_c () {
  local ev_pid t_ret t_poll polls=0 ev_line ev_ts rc
  virsh -q event --domain bench-vfp --event device-added --timestamp --timeout 60 > "$DATA/event.out" 2>&1 &
  ev_pid=$!
  sleep 1   # the listener must be registered before the start
  use_hook shim
  : > "$HOOK_LOG"
  timed C virsh -q start bench-vfp
  t_ret=$(now_us)
  while :; do
    polls=$((polls + 1))
    vsh_has_alias bench-vfp; rc=$?
    [ "$rc" = 0 ] && break
    [ "$rc" = 2 ] && fail "C: polling the live XML of bench-vfp failed"
    [ $(( $(now_us) - t_ret )) -gt 60000000 ] && fail "C: no $E2E_HOOK_ALIAS in the live XML 60 s after virsh start"
  done
  t_poll=$(now_us)
  hook_figures C
  rec C.plug "$(ms "$t_ret" "$t_poll")"
  rec C.pollms "$(awk -v d=$((t_poll - t_ret)) -v n=$polls 'BEGIN { printf "%.1f", d / n / 1000 }')"
  wait "$ev_pid"
  ev_line=$(grep -m1 "device-added" "$DATA/event.out")
  ev_ts=$(echo "$ev_line" | sed -n 's/^\([0-9-]* [0-9:.]*[+-][0-9]*\): .*/\1/p')
  if [ -n "$ev_ts" ]; then
    rec C.event "$(ms "$t_ret" "$(date -d "$ev_ts" +%s%6N)")"
  else
    log "C: no device-added event seen: $(tr '\n' ' ' < "$DATA/event.out")"
  fi
  stop bench-vfp
  use_hook real
}
case_d () {
  use_hook shim
  : > "$HOOK_LOG"
  timed D vfpoolctl start bench-vfp
  hook_figures D
  stop bench-vfp
  use_hook real
}

summary () {   # SERIES -> "median min max n"
  sort -n "$DATA/$1" | awk '{ v[NR] = $1 } END {
    print ((NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'
}
stats () {   # SERIES -> "median M (min a, max b, n N)"
  [ -s "$DATA/$1" ] || { echo "n/a"; return; }
  summary "$1" | awk '{ printf "median %.1f (min %.1f, max %.1f, n %d)", $1, $2, $3, $4 }'
}
median () { summary "$1" | cut -d' ' -f1; }

# ---- run ------------------------------------------------------------------------------
out "load in the fixture before: $(cut -d' ' -f1-3 /proc/loadavg); VF 0 = $VF; $ROUNDS rounds, budget $BUDGET s"
# Warm-up, not counted: the first QEMU exec and the first network hostdev.
timed - vfpoolctl start bench-vfp; stop bench-vfp
timed - virsh -q start bench-net; stop bench-net
vsh_has_alias bench-net; [ $? = 2 ] && fail "the virsh shell used for polling does not answer"
out "warm-up done"

# The hook's fast path, as every domain without a request pays it (bench-net's XML).
virsh -q dumpxml bench-net > /tmp/bench-net.live.xml
for _ in $(seq 20); do
  t0=$(now_us); "$HOOK.real" bench-net prepare begin - < /tmp/bench-net.live.xml; t1=$(now_us)
  rec fast "$(ms "$t0" "$t1")"
  t0=$(now_us); /bin/true; t1=$(now_us)
  rec floor "$(ms "$t0" "$t1")"
done

s0=$SECONDS
done_rounds=0
for r in $(seq "$ROUNDS"); do
  r0=$SECONDS
  case_a; case_b
  out "round $r/$ROUNDS: A vfpoolctl start $(tail -1 $DATA/A) ms, B virsh start (hostdev network) $(tail -1 $DATA/B) ms"
  case_c; case_d
  out "round $r/$ROUNDS: C virsh start $(tail -1 $DATA/C) ms (hooks $(tail -1 $DATA/C.hook)) + plug $(tail -1 $DATA/C.plug) ms; D vfpoolctl start $(tail -1 $DATA/D) ms (hooks $(tail -1 $DATA/D.hook)) ($((SECONDS - r0)) s)"
  done_rounds=$r
  if [ "$r" -lt "$ROUNDS" ] && [ $((SECONDS - s0 + SECONDS - r0)) -gt "$BUDGET" ]; then
    out "stopping after $r rounds: the $BUDGET s budget would be exceeded"
    break
  fi
done

# ---- report ---------------------------------------------------------------------------
ratio=$(awk -v a="$(median A)" -v b="$(median B)" 'BEGIN { printf "%.2f", a / b }')
out "RESULTS ($done_rounds rounds A B C D interleaved, $((SECONDS - s0)) s; load in the fixture after: $(cut -d' ' -f1-3 /proc/loadavg))"
out "  wall times in ms; VF $VF (igbvf <-> vfio-pci), MAC + VLAN $VLAN, same domain shape"
out "1. boot-time path"
out "  A vfpoolctl start (vfpool pool)          $(stats A)"
out "  B virsh start (libvirt hostdev network)  $(stats B)"
out "  ratio of medians A/B                     ${ratio}x"
out "  destroy, vfpool domain                   $(stats A.stop)"
out "  destroy, hostdev-network domain          $(stats B.stop)"
out "2. plain virsh start of a vfpool domain (hook behind the shim)"
out "  C virsh start returns -> ua-vfpool-0 polled  $(stats C.plug)"
out "  C virsh start returns -> device-added event  $(stats C.event)"
out "  C one poll (virsh shell, dumpxml --xpath)    $(stats C.pollms)"
out "3. the hook's share (hook behind a timing shim; the shim's bash start is in the whole, not in the hook sum)"
for c in C D; do
  [ $c = C ] && out "  C virsh start (to its return)            $(stats C)"
  [ $c = D ] && out "  D vfpoolctl start                        $(stats D)"
  out "  $c sum of hook calls                      $(stats $c.hook)"
  out "  $c hook share %                           $(stats $c.share)"
  for f in "$DATA/$c".op.*; do [ -e "$f" ] && out "    $(basename "$f" | sed "s/^$c\.op\.//; s/_/ /")  $(stats "$(basename "$f")")"; done
done
out "  hook fast path (domain without request)  $(stats fast)"
out "  exec of /bin/true (floor)                $(stats floor)"
exit 0
