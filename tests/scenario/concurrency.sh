#!/bin/bash
# concurrency.sh: 64 hook processes for 64 domains at once on a 32-VF pool:
# exactly 32 start, 32 get the exhaustion error, no VF leased twice, and
# after 64 releases every VF is free and restored.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host scale:1:32
POOL_FILE=big.conf pool "[pool big]" "pfs=ens1f0" "vlan=42"
for i in $(seq 1 64); do domain_xml "c$i" "$i" 'pool="big"' > "$T/c$i.xml"; done

start=$(date +%s%N)
for i in $(seq 1 64); do
  ( VFPOOL_STATS="$T/stats" hook "c$i" prepare begin "$T/c$i.xml" 2> "$T/c$i.err"
    echo $? > "$T/c$i.rc" ) &
done
wait
end=$(date +%s%N)
echo "    64 concurrent prepare begin: $(( (end - start) / 1000000 )) ms"
# A lost claim: a VF a hook ranked free and found leased by another when it
# came to claim it (make bench prints this line).
echo "    lost claims: $(awk -F= '/^lost-claims=/ { n += $2 } END { print n + 0 }' "$T/stats")"
check "every hook wrote its stats line" test "$(grep -c '^lost-claims=' "$T/stats")" = 64

started=$(grep -lx 0 "$T"/c*.rc | wc -l)
refused=$(grep -lx 1 "$T"/c*.rc | wc -l)
check "exactly 32 domains started ($started)" test "$started" = 32
check "exactly 32 refused ($refused)" test "$refused" = 32
check "every refusal is the exhaustion message" \
  test "$(grep -l "pool 'big' has no free VF" "$T"/c*.err | wc -l)" = 32
check "32 leases" test "$(lease_count)" = 32
check "no VF leased twice (32 distinct owners)" \
  test "$(cat "$T"/run/leases/* | grep -c '^owner-uuid=')" = 32 -a \
       "$(cat "$T"/run/leases/* | sort -u | grep -c '^owner-uuid=')" = 32
check "each leased VF configured once with VLAN 42" \
  test "$(grep -c 'vlan 42' "$T/nl.log")" = 32

for i in $(seq 1 64); do ( stop_domain "c$i" "$T/c$i.xml" ) & done
wait
check "after 64 releases no lease is left" test "$(lease_count)" = 0
bad=0
for n in $(seq 0 31); do [ "$(vf_state ens1f0 "$n" vlan)" = 0 ] || bad=$((bad + 1)); done
check "every VF restored to VLAN 0 ($bad not)" test "$bad" = 0

finish
