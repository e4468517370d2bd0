#!/usr/bin/env python3
# invariants.py: checks the state a crash or torture step must leave behind,
# on the lease dir and the fake netlink backend's VF state (FILE.d).
#
#   invariants.py STATE_DIR NL_STATE_D ORIG_D PF NVFS [NAME:NICS ...]
#
# NAME:NICS lists the domains that run now and how many nics they asked for
# (a running domain whose start succeeded holds exactly that many leases).
# Prints one line per violation and exits 1 if there is any.
import configparser
import os
import sys

DEFAULTS = {"mac": "00:00:00:00:00:00", "vlan": "0", "qos": "0", "vlan-proto": "802.1Q",
            "spoofchk": "on", "trust": "off", "min-tx-rate": "0", "max-tx-rate": "0",
            "link-state": "auto"}


def keyfile(path, group):
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.optionxform = str
    cp.read(path)
    return dict(cp[group]) if cp.has_section(group) else {}


def vf_state(d, pf, n):
    state = dict(DEFAULTS)
    path = os.path.join(d, "%s-vf%d" % (pf, n))
    if os.path.exists(path):
        state.update(keyfile(path, "vf"))
    return state


def main():
    state_dir, nl_d, orig_d, pf, nvfs = sys.argv[1:6]
    nvfs = int(nvfs)
    running = {}
    for arg in sys.argv[6:]:
        name, nics = arg.rsplit(":", 1)
        running[name] = int(nics)
    bad = []
    lease_dir = os.path.join(state_dir, "leases")
    quarantine = set(os.listdir(os.path.join(state_dir, "quarantine"))) \
        if os.path.isdir(os.path.join(state_dir, "quarantine")) else set()
    leased = {}          # vf index -> lease
    held = {}            # (owner, nic) -> vf
    per_owner = {}
    for name in sorted(os.listdir(lease_dir)) if os.path.isdir(lease_dir) else []:
        if ".tmp-" in name:
            bad.append("temporary file left in leases/: %s" % name)
            continue
        lease = keyfile(os.path.join(lease_dir, name), "lease")
        if lease.get("vf") != name:
            bad.append("lease %s unreadable or names another VF" % name)
            continue
        if lease.get("pf-netdev") != pf:
            continue
        idx = int(lease["vf-index"])
        owner, nic = lease["owner-name"], lease["nic"]
        if (owner, nic) in held:
            bad.append("domain %s nic %s holds two VFs (%s and %s)" % (owner, nic, held[(owner, nic)], name))
        held[(owner, nic)] = name
        per_owner[owner] = per_owner.get(owner, 0) + 1
        leased[idx] = (name, lease, keyfile(os.path.join(lease_dir, name), "applied"))
        if owner not in running:
            bad.append("lease %s (%s, %s) has no live owner: %s is not running" % (name, owner, lease["state"], owner))
        if lease["state"] != "configured":
            bad.append("lease %s of %s is %s at rest (a start neither finished nor was undone)" % (name, owner, lease["state"]))
    for owner, nics in running.items():
        if per_owner.get(owner, 0) != nics:
            bad.append("running domain %s holds %d leases, asked for %d" % (owner, per_owner.get(owner, 0), nics))
    for n in range(nvfs):
        cur = vf_state(nl_d, pf, n)
        if n in leased:
            name, lease, applied = leased[n]
            for key, want in applied.items():
                if cur.get(key) != want:
                    bad.append("leased VF %s (vf %d of %s): %s=%s, owner %s asked %s" % (name, n, lease["owner-name"], key, cur.get(key), lease["owner-name"], want))
        else:
            orig = vf_state(orig_d, pf, n)
            if cur != orig:
                diff = ", ".join("%s=%s (was %s)" % (k, cur[k], orig[k]) for k in sorted(cur) if cur[k] != orig.get(k))
                bad.append("free VF %d of %s not in its original state: %s" % (n, pf, diff))
    # The lease index (STATE_DIR/index/PF_PCI) may miss a lease (a crash
    # between the claim's link() and its byte: the next claim repairs it),
    # but a VF it marks leased must have a lease: else starts skip that VF.
    all_leased = set()
    for name in os.listdir(lease_dir) if os.path.isdir(lease_dir) else []:
        lease = keyfile(os.path.join(lease_dir, name), "lease")
        if "pf" in lease and "vf-index" in lease:
            all_leased.add((lease["pf"], int(lease["vf-index"])))
    index_dir = os.path.join(state_dir, "index")
    for pf_pci in sorted(os.listdir(index_dir)) if os.path.isdir(index_dir) else []:
        with open(os.path.join(index_dir, pf_pci), "rb") as fh:
            data = fh.read()
        if len(data) < 16 or data[15:16] != b"V":
            continue      # not used by starts until rebuilt
        for i, c in enumerate(data[16:]):
            if c == ord("1") and (pf_pci, i) not in all_leased:
                bad.append("lease index of PF %s marks VF %d leased, but it has no lease" % (pf_pci, i))
    for q in sorted(quarantine):
        bad.append("VF %s quarantined" % q)
    for line in bad:
        print("    violation: " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
