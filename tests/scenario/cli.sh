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
# ... and after COMMAND -, exactly the options of COMMAND --help.
for cmd in $commands; do
  [ "$cmd" = help ] && continue
  helped=$("$CTL" "$cmd" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | grep -vx -- --help | sort)
  offered=$(bash -c '. "$1"; COMP_WORDS=(vfpoolctl "$2" -); COMP_CWORD=2; _vfpoolctl
                     printf "%s\n" "${COMPREPLY[@]}"' _ "$VFP_TOP_SRCDIR/completion/vfpoolctl" "$cmd" |
            grep . | sort)
  check "the completion offers the options of $cmd --help ($(echo $helped))" \
    test "$helped" = "$offered"
done
# vfpoolctl(8) shows attach's and detach's own options where it describes them.
for cmd in attach detach; do
  header=$(grep "^\.BR $cmd \" " "$VFP_TOP_SRCDIR/man/vfpoolctl.8")
  own=$("$CTL" "$cmd" --help | sed -n 's/^  \(--[a-z-]*\).*/\1/p' | grep -vx -- --help |
        grep -vxE -- "$(nic_opts='--pool|--bond|--mac|--vlan|--qos|--vlan-proto|--spoofchk|--trust'
                          echo "$nic_opts|--min-tx-rate|--max-tx-rate|--link-state")")
  missing=$(for o in $own; do grep -qF -- "${o//-/\\-}" <<< "$header" || echo "$o"; done)
  check "vfpoolctl(8) names every option of $cmd (missing: $(echo ${missing:-none}))" \
    bash -c "[ -n '$header' ] && [ -z '$missing' ]"
done
offered=$(bash -c '. "$1"; COMP_WORDS=(vfpoolctl vfio-bind ""); COMP_CWORD=2; _vfpoolctl
                   printf "%s\n" "${COMPREPLY[@]}"' _ "$VFP_TOP_SRCDIR/completion/vfpoolctl")
check "vfio-bind completes pool names ($offered)" test "$offered" = tenant

# 6. One command line behaviour for every command (vfpoolctl(8) EXIT
# STATUS): COMMAND --help and help COMMAND print its usage and exit 0, with
# no root (run as nobody when this runs as root); a missing option value
# and an unknown option are one line in plain quotes and exit 2.  The
# table: each command and an option of it that takes a value ("-": none).
one_line() { [ "$(printf '%s\n' "$1" | wc -l)" = 1 ]; }
export -f one_line
as_user() { "$@"; }
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  chmod 0755 "$T"
  as_user() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
fi
while read -r cmd value_opt; do
  out=$(as_user "$CTL" "$cmd" --help 2>&1); rc=$?
  check "$cmd --help: exit 0 and its usage (rc=$rc)" \
    bash -c "[ $rc = 0 ] && [[ \"\$1\" == *'vfpoolctl $cmd '* ]]" _ "$out"
  out=$(as_user "$CTL" help "$cmd" 2>&1); rc=$?
  check "help $cmd: exit 0 and its usage (rc=$rc)" \
    bash -c "[ $rc = 0 ] && [[ \"\$1\" == *'vfpoolctl $cmd '* ]]" _ "$out"
  if [ "$value_opt" != - ]; then
    err=$("$CTL" "$cmd" "$value_opt" 2>&1 >/dev/null); rc=$?
    check "$cmd $value_opt (no value): exit 2, one line ($err)" \
      test "$rc:$err" = "2:vfpoolctl: $cmd: option $value_opt needs a value (see vfpoolctl $cmd --help)"
  fi
  err=$("$CTL" "$cmd" --no-such-option 2>&1 >/dev/null); rc=$?
  check "$cmd --no-such-option: exit 2, one line ($err)" \
    bash -c "[ $rc = 2 ] && one_line \"\$1\" \
             && [[ \"\$1\" == \"vfpoolctl: $cmd: unknown option '--no-such-option'\"* ]]" _ "$err"
done <<'TABLE'
status --pool
pools -
start -
inject -
release -
reconcile -
quarantine -
doctor --root
explain --xml
metrics -
request --pool
unrequest --nic
attach --pool
detach --nic
managedsave --timeout
migrate --migrateuri
host-shutdown --timeout
enable-vfs --wait
vfio-bind -
vfio-unbind -
net-sync -
TABLE
listed=$("$CTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' | grep -vx help | sort)
tabled=$(sed -n '/^done <<.TABLE.$/,/^TABLE$/s/^\([a-z-]*\) .*/\1/p' "$0" | grep -vx done | sort)
check "the table has every command of --help" test "$listed" = "$tabled"
# GLib's own messages use curly quotes in UTF-8 locales: vfpoolctl's never.
err=$(LC_ALL=C.UTF-8 "$CTL" doctor --root=x --root 2>&1 >/dev/null)
check "a GLib message in a UTF-8 locale has plain quotes ($err)" \
  bash -c "[[ \"\$1\" == 'vfpoolctl: doctor: '* ]] && ! grep -q \$'\xe2\x80' <<< \"\$1\"" _ "$err"

# 7. Usage errors exit 2, refusals 1 (vfpoolctl(8) EXIT STATUS).
expect_rc() {
  local want=$1 what=$2 err rc; shift 2
  err=$("$@" 2>&1 >/dev/null); rc=$?
  check "$what: exit $want, one line (rc=$rc: $err)" \
    bash -c "[ $rc = $want ] && one_line \"\$1\"" _ "$err"
}
expect_rc 2 "request without --pool" "$CTL" request web1
# A command that works on this host's leases and VFs, pointed at another
# host's libvirt, would free or trust this host's leases for that host's
# domains: refused before anything is read, naming the host.
for args in "attach web1 --pool tenant" "detach web1" "migrate web1 qemu:///system" \
            "host-shutdown" "release web1" "reconcile" "status"; do
  err=$("$CTL" -c qemu+ssh://otherhost/system $args 2>&1 >/dev/null); rc=$?
  check "-c qemu+ssh://otherhost/system ${args%% *}: exit 2, one line naming the host ($err)" \
    bash -c "[ $rc = 2 ] && one_line \"\$1\" && [[ \"\$1\" == *\"names host 'otherhost'\"*\"run it on 'otherhost'\" ]]" _ "$err"
done
err=$(env -u VFPOOL_LIBVIRT_URI LIBVIRT_DEFAULT_URI=qemu+tls://otherhost/system "$CTL" reconcile 2>&1 >/dev/null); rc=$?
check "LIBVIRT_DEFAULT_URI on another host: refused too (rc=$rc)" test "$rc" = 2
"$CTL" -c "qemu+ssh://localhost/system" status --help > /dev/null; rc=$?
check "--help still works with any URI (rc=$rc)" test "$rc" = 0
"$CTL" -c qemu+ssh://otherhost/system request web1 --pool tenant --print > /dev/null 2>&1; rc=$?
check "request (libvirt's domain XML only) may use another host (rc=$rc, not 2)" test "$rc" != 2
err=$("$CTL" request web1 --pool --vlan 5 2>&1); rc=$?
check "request --pool --vlan 5: --pool needs a value, not '--vlan' (rc=$rc: $err)" \
  test "$rc:$err" = "2:vfpoolctl: request: option --pool needs a value (see vfpoolctl request --help)"
expect_rc 2 "request with a bad VLAN" "$CTL" request web1 --pool tenant --vlan 9999
expect_rc 2 "request --dry-run --print" "$CTL" request web1 --pool tenant --dry-run --print
expect_rc 2 "unrequest --nic x" "$CTL" unrequest web1 --nic x
expect_rc 2 "start without a domain" "$CTL" start
expect_rc 2 "start with two domains" "$CTL" start a b
expect_rc 2 "explain with neither DOMAIN nor --xml" "$CTL" explain
expect_rc 2 "quarantine with an unknown action" "$CTL" quarantine nuke
expect_rc 2 "quarantine clear without a VF" "$CTL" quarantine clear
expect_rc 2 "enable-vfs --wait x" "$CTL" enable-vfs --wait x
expect_rc 2 "an unknown command" "$CTL" frobnicate
expect_rc 2 "an unknown global option" "$CTL" --frobnicate status
expect_rc 2 "global --connect without a URI" "$CTL" --connect
expect_rc 2 "help of an unknown command" "$CTL" help frobnicate
out=$("$CTL" help help); rc=$?
check "help help: the list of commands (rc=$rc)" bash -c "[ $rc = 0 ] && [[ \"\$1\" == *Commands:* ]]" _ "$out"
expect_rc 1 "release of a domain without VFs" "$CTL" release --force nobody
err=$("$CTL" 2>/dev/null); check "vfpoolctl with no command: exit 2" test $? = 2

# 8. JSON documents (vfpoolctl(8) JSON OUTPUT): each parses, has
# "version": 1, says null for what it does not know.
# json_check WHAT FILE PYTHON-ASSERTION (d: the document)
json_check() {
  check "$1" python3 -c "import json,sys; d=json.load(open(sys.argv[1]))
assert d.get('version') == 1, d
$3" "$2"
}
domain_xml gone 7 'pool="tenant"' > "$T/gone.xml"
hook gone prepare begin "$T/gone.xml"
"$CTL" status --json > "$T/status.json"
json_check "status --json: version, a leased and a free VF, null for unknowns" "$T/status.json" "
v = {x['pci']: x for x in d['vfs']}
leased = [x for x in d['vfs'] if x['state'] == 'leased' and x['owner'] == 'gone']
free = [x for x in d['vfs'] if x['state'] == 'free']
assert leased and free, d
assert free[0]['owner'] is None and free[0]['mac'] is None and free[0]['qemu_pid'] is None, free[0]
assert leased[0]['qemu_pid'] is None and leased[0]['nic'] == 0, leased[0]
assert d['pfs'][0]['vfs'] == 3 and d['broken'] == [] and d['unsafe'] is None, d"
"$CTL" --json status > "$T/status2.json"
check "the global --json before status gives the same document" cmp "$T/status.json" "$T/status2.json"
# the lease of 'gone' is aged past the grace period: reconcile releases it
for f in "$T"/run/leases/*; do sed -i 's/^created=.*/created=1000/' "$f"; done
"$CTL" reconcile --json > "$T/rec.json"; rc=$?
json_check "reconcile --json: structured entries, not sentences (rc=$rc)" "$T/rec.json" "
e = [x for x in d['vfs'] if x['domain'] == 'gone']
assert len(e) == 1 and e[0]['action'] == 'released' and e[0]['reason'] == 'gone', d
assert e[0]['uuid'] == '$(uuid_of 7)' and e[0]['vf'].startswith('0000:') and e[0]['warnings'] == [], e
assert d['ok'] is True and d['error'] is None, d"
"$CTL" quarantine list --json > "$T/q.json"
json_check "quarantine list --json: an empty list" "$T/q.json" "assert d['vfs'] == [], d"
"$CTL" explain --json --xml "$T/no-such.xml" > "$T/ex.json" 2> "$T/ex.err"; rc=$?
json_check "explain --json on a missing file: a JSON error object, exit 1 (rc=$rc)" "$T/ex.json" "
assert $rc == 1 and 'no-such.xml' in d['error'], d"
check "... and the one line on stderr, GLib's file error in plain quotes" \
  bash -c "one_line \"\$(cat '$T/ex.err')\" && grep -q \"open file '$T/no-such.xml'\" '$T/ex.err'"
"$CTL" explain --json --xml "$T/fresh.xml" > "$T/ex2.json"; rc=$?
json_check "explain --json: version, nics (rc=$rc)" "$T/ex2.json" "
assert d['domain'] == 'fresh' and d['nics'][0]['pool'] == 'tenant', d"
"$CTL" doctor --json --no-libvirt > "$T/doc.json"
json_check "doctor --json: version, checks" "$T/doc.json" "assert d['checks'] and d['status'] in ('pass','warn','fail'), d"
err=$("$CTL" metrics --json 2>&1 >/dev/null); rc=$?
check "metrics has no --json (Prometheus text): exit 2 ($err)" test "$rc" = 2

# 9. The libvirt URI: -c/--connect, else VFPOOL_LIBVIRT_URI (the test seam),
# else LIBVIRT_DEFAULT_URI as virsh reads it, else qemu:///system.
out=$(env -u VFPOOL_LIBVIRT_URI LIBVIRT_DEFAULT_URI=test:///default "$CTL" explain test 2>&1); rc=$?
check "LIBVIRT_DEFAULT_URI is honoured (rc=$rc: $out)" \
  bash -c "[ $rc = 0 ] && [[ \"\$1\" == *\"domain 'test'\"*'no vfpool request'* ]]" _ "$out"
out=$(LIBVIRT_DEFAULT_URI=test:///nowhere.xml "$CTL" -c test:///default explain test 2>&1); rc=$?
check "-c wins over LIBVIRT_DEFAULT_URI and the seam (rc=$rc: $out)" \
  bash -c "[ $rc = 0 ] && [[ \"\$1\" == *\"domain 'test'\"* ]]" _ "$out"
out=$("$CTL" --connect=test:///default explain test 2>&1); rc=$?
check "--connect=URI works too (rc=$rc)" test "$rc" = 0
err=$(LIBVIRT_DEFAULT_URI=test:///default "$CTL" explain test 2>&1); rc=$?
check "the seam VFPOOL_LIBVIRT_URI wins over LIBVIRT_DEFAULT_URI (rc=$rc: $err)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *'record:'* ]]" _ "$err"
# (a host running libvirtd answers there: only checked where none runs)
if [ ! -S /run/libvirt/libvirt-sock-ro ] && [ ! -S /run/libvirt/virtqemud-sock-ro ]; then
  err=$(env -u VFPOOL_LIBVIRT_URI -u LIBVIRT_DEFAULT_URI "$CTL" explain test 2>&1); rc=$?
  check "neither: qemu:///system (rc=$rc: $err)" \
    bash -c "[ $rc = 1 ] && [[ \"\$1\" == *'qemu:///system'* ]]" _ "$err"
fi

# 10. pools: every pool with its counts and health, broken ones with the
# reason; status --pool P shows P only; an unknown P is refused with the
# pools there are and the closest name.
POOL_FILE=storage.conf pool "[pool storage]" "pfs=ens1f0#3-4"
POOL_FILE=bad.conf pool "[pool bad]" "pfs=ens1f0#3-1"
domain_xml held 8 'pool="tenant"' > "$T/held.xml"
hook held prepare begin "$T/held.xml"
"$CTL" pools --json > "$T/pools.json"; rc=$?
json_check "pools --json: counts, health, the broken pool with its reason (rc=$rc)" "$T/pools.json" "
p = {x['name']: x for x in d['pools']}
assert $rc == 0 and set(p) == {'tenant', 'storage', 'bad'}, d
t = p['tenant']
assert t['healthy'] and t['state'] == 'ok' and (t['vfs'], t['free'], t['leased'], t['quarantined']) == (3, 2, 1, 0), t
assert [x['pf'] for x in t['pfs']] == ['ens1f0'], t
assert p['storage']['vfs'] == 2 and p['storage']['free'] == 2, p['storage']
b = p['bad']
assert b['state'] == 'broken' and not b['healthy'] and 'backwards' in b['reason'] and b['vfs'] is None, b"
out=$("$CTL" pools 2>&1); rc=$?
check "pools: a line per pool, the broken one says why (rc=$rc)" \
  bash -c "[ $rc = 0 ] && grep -q '^tenant *ok *ens1f0 *3 *2 *1 *0 ' <<< \"\$1\" \
           && grep -q '^bad *broken .*backwards' <<< \"\$1\"" _ "$out"
"$CTL" status --json --pool storage > "$T/st.json"; rc=$?
json_check "status --pool storage: only storage (rc=$rc)" "$T/st.json" "
assert {v['pool'] for v in d['vfs']} == {'storage'} and {p['pool'] for p in d['pfs']} == {'storage'}, d"
out=$("$CTL" status --pool storage); rc=$?
check "status --pool storage (text): no tenant row (rc=$rc)" \
  bash -c "[ $rc = 0 ] && grep -q '^storage' <<< \"\$1\" && ! grep -q '^tenant' <<< \"\$1\"" _ "$out"
err=$("$CTL" status --pool tenat 2>&1 >/dev/null); rc=$?
check "status --pool tenat: exit 1, did you mean 'tenant' ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *\"no pool 'tenat'; did you mean 'tenant'? (pools: storage, tenant)\"* ]]" _ "$err"
rm "$T/etc/pools.d/storage.conf" "$T/etc/pools.d/bad.conf"

# 11. A VF may be named as lspci shows it (01:10.2, domain 0000 implied).
mkdir -p -m 0700 "$T/run/quarantine"
echo "restoring the MAC failed (test)" > "$T/run/quarantine/0000:01:10.2"
chmod 0600 "$T/run/quarantine/0000:01:10.2"
"$CTL" quarantine list --json > "$T/q2.json"
json_check "quarantine list --json: the VF and its reason" "$T/q2.json" "
assert d['vfs'] == [{'vf': '0000:01:10.2', 'reason': 'restoring the MAC failed (test)'}], d"
out=$("$CTL" quarantine clear 01:10.2 2>&1); rc=$?
check "quarantine clear 01:10.2 clears 0000:01:10.2 (rc=$rc: $out)" \
  bash -c "[ $rc = 0 ] && [ ! -e '$T/run/quarantine/0000:01:10.2' ] && [ \"\$1\" = 'VF 0000:01:10.2 can be leased again' ]" _ "$out"
err=$("$CTL" quarantine clear 01:10.2 2>&1); rc=$?
check "... a second time: not quarantined, exit 1 ($err)" \
  bash -c "[ $rc = 1 ] && [[ \"\$1\" == *'VF 0000:01:10.2 is not quarantined'* ]]" _ "$err"

# 12. json-glib is vfpoolctl's only: the hook's exec cost does not grow.
check "vfpoolctl links json-glib" bash -c "ldd '$CTL' | grep -q libjson-glib"
check "the hook does not" bash -c "! ldd '$HOOK' | grep -q 'libjson-glib\|libgio\|libgobject'"

finish
