#!/bin/bash
# scenarios/05-concurrent-starts.sh: four `virsh start` at once on a pool of 3 VFs — exactly three run, the fourth is refused, no VF is leased or plugged twice.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u

[ "$E2E_NUMVFS" -ge 3 ] || fail "needs E2E_NUMVFS >= 3"
pool e2e 0 2
snapshot_vfs
for i in 1 2 3 4; do
  define_domain "e2e-c$i" "$i" "pool=\"e2e\" vlan=\"10$i\""
done

for i in 1 2 3 4; do
  virsh start "e2e-c$i" > "/tmp/start-c$i.out" 2>&1 &
  eval "p$i=$!"
done
ok=0 refused=0
for i in 1 2 3 4; do
  eval "wait \$p$i"; rc=$?
  log "virsh start e2e-c$i: rc=$rc $(tr '\n' ' ' < "/tmp/start-c$i.out")"
  if [ "$rc" = 0 ]; then ok=$((ok + 1)); else refused=$((refused + 1)); loser=$i; fi
done
assert "exactly three starts succeed" [ "$ok" = 3 ]
assert "exactly one is refused" [ "$refused" = 1 ]
OUT=$(cat "/tmp/start-c$loser.out")
assert "the refusal says 'no free VF'" out_has "no free VF"

running=$(virsh -q list --name | grep -c '^e2e-c')
assert "three domains run" [ "$running" = 3 ]
vfs=
for i in 1 2 3 4; do
  [ "$i" = "$loser" ] && continue
  assert_has_vf "e2e-c$i" "$i" 90
  vfs="$vfs $DOM_VF"
done
assert "three leases" [ "$(lease_count)" = 3 ]
assert "no VF leased twice" [ "$(echo $vfs | tr ' ' '\n' | sort -u | wc -l)" = 3 ]
assert "each lease has its own owner" [ "$(cat "$LEASE_DIR"/* | grep -o 'e2e00000-0000-4000-8000-[0-9]*' | sort -u | wc -l)" = 3 ]

for i in 1 2 3 4; do virsh -q destroy "e2e-c$i" >/dev/null 2>&1; done
assert "no leases left" wait_until 60 no_leases
assert_vfs_restored "every VF as before" 60
exit 0
