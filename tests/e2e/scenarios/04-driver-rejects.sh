#!/bin/bash
# scenarios/04-driver-rejects.sh: a request names a knob igb refuses (min-tx-rate, 802.1ad) — the start is refused with a message that says what, and nothing is leaked or left changed.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

pool e2e 0 1
snapshot_vfs
define_domain e2e-rate 1 'pool="e2e" vlan="100" mac="52:54:00:e2:00:31" min-tx-rate="100" max-tx-rate="200"'
define_domain e2e-qinq 2 'pool="e2e" vlan="100" vlan-proto="802.1ad" mac="52:54:00:e2:00:32"'

check_refused () {   # WHAT DOMAIN KNOB
  assert "$1: start refused" [ "$RC" != 0 ]
  assert "$1: the message names the domain" out_has "$2"
  assert "$1: the message names the knob ($3)" out_has "$3"
  assert "$1: the message names the PF driver" out_has "igb"
  assert "$1: the message carries the kernel's reason" sh -c 'echo "$0" | grep -qE "Invalid argument|Protocol not supported|not supported"' "$OUT"
  assert "$1: no lease left" wait_until 10 no_leases
  assert_vfs_restored "$1: every VF unchanged (MAC/VLAN/rate/driver)" 10
}

start_dom e2e-rate
check_refused "virsh start, min-tx-rate" e2e-rate rate
assert "e2e-rate is not running" [ "$(dom_state e2e-rate)" = "shut off" ]

start_dom e2e-qinq
check_refused "virsh start, 802.1ad" e2e-qinq vlan
assert "e2e-qinq is not running" [ "$(dom_state e2e-qinq)" = "shut off" ]

OUT=$(vfpoolctl start e2e-qinq 2>&1); RC=$?
log "vfpoolctl start e2e-qinq: rc=$RC $OUT"
check_refused "vfpoolctl start, 802.1ad" e2e-qinq vlan
assert "e2e-qinq is not running" [ "$(dom_state e2e-qinq)" = "shut off" ]

# The pool still works: a plain request on the same VFs starts.
define_domain e2e-ok 3 'pool="e2e" vlan="100"'
start_dom e2e-ok
assert "a supported request starts" [ "$RC" = 0 ]
assert_has_vf e2e-ok 3 30
virsh -q destroy e2e-ok >/dev/null
assert "no leases left" wait_until 30 no_leases
assert_vfs_restored "every VF as before"
exit 0
