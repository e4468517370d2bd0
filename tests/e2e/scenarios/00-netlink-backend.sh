#!/bin/bash
# scenarios/00-netlink-backend.sh: the libnl backend on the real igb PF — every knob set alone and read back (by the backend and by ip), igb's refusals are VFP_ERROR_UNSUPPORTED and change nothing.
# shellcheck source=../guest/lib.sh
. "$E2E_LIB"
set -u
PROBE=/e2e/nl-probe
[ -x "$PROBE" ] || fail "nl-probe was not built (make tests/e2e/nl-probe)"

VF=$((E2E_NUMVFS - 1))
# probe ARGS...: runs nl-probe, output in $OUT, exit status in $RC
probe () { OUT=$("$PROBE" "$@" 2>&1); RC=$?; echo "nl-probe $*: rc=$RC $(echo "$OUT" | tr '\n' ' ')"; }
val () { echo "$OUT" | sed -n "s/^$1=//p"; }
line_has () { vf_line "$VF" | grep -qF -- "$1"; }

log "ip: vf $VF $(vf_line "$VF")"
before=$(vf_line "$VF")

# 1. Reading matches ip.
probe get "$E2E_PF" "$VF"
assert "get succeeds" [ "$RC" = 0 ]
orig_mac=$(val mac)
orig_spoof=$(val spoofchk)
orig_trust=$(val trust)
assert "every knob igb reports is read (set=0x3f)" [ "$(val set)" = 0x3f ]
assert "MAC read = ip's ($orig_mac)" line_has "link/ether $orig_mac"
assert "spoofchk read = ip's ($orig_spoof)" line_has "spoof checking $orig_spoof"
assert "trust read = ip's ($orig_trust)" line_has "trust $orig_trust"
assert "VLAN 0 / 802.1Q read" [ "$(val vlan)/$(val vlan_proto)" = "0/802.1Q" ]

# 2. Each knob alone, read back both ways.
probe set "$E2E_PF" "$VF" mac 02:e2:e0:00:00:0$VF
assert "set mac" [ "$RC" = 0 ]
probe get "$E2E_PF" "$VF"
assert "mac read back" [ "$(val mac)" = 02:e2:e0:00:00:0$VF ]
assert "mac visible in ip" line_has "link/ether 02:e2:e0:00:00:0$VF"

probe set "$E2E_PF" "$VF" vlan 100 2 802.1Q
assert "set vlan 100 qos 2" [ "$RC" = 0 ]
probe get "$E2E_PF" "$VF"
assert "vlan/qos/proto read back" [ "$(val vlan)/$(val qos)/$(val vlan_proto)" = "100/2/802.1Q" ]
assert "vlan visible in ip" line_has "vlan 100, qos 2"
probe set "$E2E_PF" "$VF" vlan 0 0 802.1Q
probe get "$E2E_PF" "$VF"
assert "vlan cleared" [ "$(val vlan)/$(val qos)" = "0/0" ]

probe set "$E2E_PF" "$VF" spoofchk off
assert "set spoofchk off" [ "$RC" = 0 ]
probe get "$E2E_PF" "$VF"
assert "spoofchk off read back" [ "$(val spoofchk)" = off ]
assert "spoofchk off in ip" line_has "spoof checking off"
probe set "$E2E_PF" "$VF" spoofchk on
probe get "$E2E_PF" "$VF"
assert "spoofchk on read back" [ "$(val spoofchk)" = on ]

probe set "$E2E_PF" "$VF" trust on
assert "set trust on" [ "$RC" = 0 ]
probe get "$E2E_PF" "$VF"
assert "trust on read back" [ "$(val trust)" = on ]
assert "trust on in ip" line_has "trust on"
probe set "$E2E_PF" "$VF" trust off
probe get "$E2E_PF" "$VF"
assert "trust off read back" [ "$(val trust)" = off ]

probe set "$E2E_PF" "$VF" rate 0 100
assert "set max rate 100" [ "$RC" = 0 ]
probe get "$E2E_PF" "$VF"
assert "rate read back" [ "$(val min_tx_rate)/$(val max_tx_rate)" = "0/100" ]
assert "rate in ip" line_has "max_tx_rate 100Mbps"
probe set "$E2E_PF" "$VF" rate 0 0
probe get "$E2E_PF" "$VF"
assert "rate cleared" [ "$(val max_tx_rate)" = 0 ]

# 3. What igb refuses: VFP_ERROR_UNSUPPORTED, errno text, nothing changed.
mid=$(vf_line "$VF")
probe set "$E2E_PF" "$VF" vlan 100 0 802.1ad
assert "802.1ad refused as unsupported" [ "$RC" = 3 ]
assert "802.1ad message" [ "$(val message)" = "setting vlan on VF $VF of $E2E_PF failed: Protocol not supported" ]
probe set "$E2E_PF" "$VF" rate 100 200
assert "min-tx-rate refused as unsupported" [ "$RC" = 3 ]
assert "min rate message" [ "$(val message)" = "setting rate on VF $VF of $E2E_PF failed: Invalid argument" ]
probe set "$E2E_PF" "$VF" link-state enable
assert "link-state refused as unsupported" [ "$RC" = 3 ]
assert "link-state message" [ "$(val message)" = "setting link state on VF $VF of $E2E_PF failed: Operation not supported" ]
assert "refusals left the VF unchanged" [ "$(vf_line "$VF")" = "$mid" ]

# 4. Errors that are not the driver's.
probe get "$E2E_PF" 99
assert "missing VF is an error" [ "$RC" = 1 ]
probe set nosuchdev0 "$VF" trust on
assert "missing PF is an I/O error" [ "$RC" = 1 ] && [ "$(val error)" = io ]
log "missing PF: $(val message)"

# 5. Back to where it was: ip shows exactly the first line.
probe set "$E2E_PF" "$VF" mac "$orig_mac"
probe set "$E2E_PF" "$VF" spoofchk "$orig_spoof"
probe set "$E2E_PF" "$VF" trust "$orig_trust"
assert "VF restored (ip line identical)" [ "$(vf_line "$VF")" = "$before" ]
exit 0
