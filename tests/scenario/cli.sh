#!/bin/bash
# cli.sh: vfpoolctl subcommands agreeing with the library: release decides
# liveness as reconcile does and names the domain, the completion knows
# every command.
. "$VFP_TOP_SRCDIR/tests/scenario/lib.sh"

make_host igb
POOL_FILE=tenant.conf pool "[pool tenant]" "pfs=ens1f0#0-2"

# 1. A lease just taken by prepare, no QEMU yet: reconcile keeps it ("may be
# starting"), and release must not free it either without --force.
domain_xml fresh 1 'pool="tenant"' > "$T/fresh.xml"
check "prepare leases a VF to 'fresh'" hook fresh prepare begin "$T/fresh.xml"
out=$("$CTL" reconcile)
check "reconcile keeps the new lease ($out)" \
  bash -c "[[ \"$out\" == *\"domain 'fresh' may be starting\"* ]] && [ -n \"\$(ls '$T/run/leases')\" ]"
err=$("$CTL" release fresh 2>&1 >/dev/null); rc=$?
check "release of a starting domain exits 1" test "$rc" = 1
check "... saying it may be starting and how to override" \
  bash -c "[[ \"$err\" == *\"domain 'fresh' may be starting\"*--force* ]]"
check "... and that libvirt could not be asked" \
  bash -c "[[ \"$err\" == *'libvirt (record:'*'could not be asked'* ]]"
echo "    message: $err"
check "... and the lease stays" test -n "$(lease_of fresh)"
check "release --force frees it" "$CTL" release --force fresh
check "... its VF" test -z "$(lease_of fresh)"

# 5. release by UUID names the domain (quoted) the lease records.
web="web 1"
domain_xml "$web" 2 'pool="tenant"' > "$T/web.xml"
hook "$web" prepare begin "$T/web.xml"
out=$("$CTL" release --force "$(uuid_of 2)")
check "release UUID prints the domain name ($out)" \
  test "$out" = "released every VF of domain 'web 1'"

# 4. The completion offers every command `vfpoolctl --help` lists.
commands=$("$CTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
offered=$(bash -c '. "$1"; COMP_WORDS=(vfpoolctl ""); COMP_CWORD=1; _vfpoolctl
                   printf "%s\n" "${COMPREPLY[@]}"' _ "$VFP_TOP_SRCDIR/completion/vfpoolctl")
check "--help lists commands ($(echo $commands))" test "$(wc -w <<< "$commands")" -gt 10
missing=$(comm -23 <(sort <<< "$commands") <(sort <<< "$offered") | tr '\n' ' ')
check "the completion offers every command (missing: ${missing:-none})" test -z "$missing"
offered=$(bash -c '. "$1"; COMP_WORDS=(vfpoolctl vfio-bind ""); COMP_CWORD=2; _vfpoolctl
                   printf "%s\n" "${COMPREPLY[@]}"' _ "$VFP_TOP_SRCDIR/completion/vfpoolctl")
check "vfio-bind completes pool names ($offered)" test "$offered" = tenant

finish
