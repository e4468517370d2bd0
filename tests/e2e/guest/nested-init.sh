#!/bin/busybox sh
# guest/nested-init.sh: init of the nested VM — DHCP mode (extra/06): loads igbvf, DHCPs on the VF, reports, powers off; failover mode (e2e.mode=failover, extra/08 and 09): reports its NICs and failover pairs on ttyS0 every few seconds until killed.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /usr/share/udhcpc
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# igbvf, virtio_pci, virtio_net and what they need (net_failover, failover).
for m in $(cat /mods/order); do insmod "/mods/$m" || echo "NESTED: insmod $m failed"; done
# udhcpc only reports; nothing needs the address configured.
printf '#!/bin/sh\n[ "$1" = bound ] && echo "NESTED: lease $ip on $interface"\nexit 0\n' > /udhcpc.sh
chmod +x /udhcpc.sh

drv_of () { [ -e "/sys/class/net/$1/device/driver" ] && basename "$(readlink "/sys/class/net/$1/device/driver")" || echo none; }
lowers_of () { for l in /sys/class/net/$1/lower_*; do [ -e "$l" ] && echo "${l##*/lower_}"; done; }

# ---- failover mode -----------------------------------------------------------
# A net_failover master is the netdev with lower_* links (virtio_net creates it
# next to its standby netdev; both have the virtio device as parent); of its
# lowers, the one driven by virtio_net is the standby, the other the primary.
# Report line: "NESTED: t=UPTIME ifs: NAME(DRIVER,OPERSTATE,IFINDEX) ...", a
# master as NAME(master,OPERSTATE),
# then "NESTED: FAILOVER master=M mac=MAC standby=S primary=P(DRIVER,IFINDEX)|none"
# per master.
# DHCP runs over the master each time a primary appears (the standby's network
# has no DHCP server, so a lease means traffic went through the VF).
failover_mode () {
  seen_primary=
  # What the VM was given, once: PCI functions with IDs and drivers.
  for p in /sys/bus/pci/devices/*; do
    echo "NESTED: pci ${p##*/} $(cat "$p/vendor"):$(cat "$p/device") class $(cat "$p/class") driver $([ -e "$p/driver" ] && basename "$(readlink "$p/driver")" || echo none)"
  done
  while :; do
    line="NESTED: t=$(cut -d' ' -f1 /proc/uptime) ifs:"
    masters=
    for d in /sys/class/net/*; do
      n=${d##*/}
      [ "$n" = lo ] && continue
      if [ -n "$(lowers_of "$n")" ]; then
        masters="$masters $n"
        line="$line $n(master,$(cat "$d/operstate"))"
      else
        line="$line $n($(drv_of "$n"),$(cat "$d/operstate"),$(cat "$d/ifindex"))"
      fi
    done
    echo "$line"
    for m in $masters; do
      sb=none; pr=none
      for l in $(lowers_of "$m"); do
        # the ifindex tells a re-plugged primary from the one before
        if [ "$(drv_of "$l")" = virtio_net ]; then sb=$l; else pr="$l($(drv_of "$l"),$(cat "/sys/class/net/$l/ifindex"))"; fi
      done
      ip link set "$m" up 2>/dev/null
      echo "NESTED: FAILOVER master=$m mac=$(cat "/sys/class/net/$m/address") standby=$sb primary=$pr"
      if [ "$pr" != none ] && [ "$seen_primary" != "$pr" ]; then
        seen_primary=$pr
        mac=$(cat "/sys/class/net/$m/address")
        ( if udhcpc -i "$m" -n -q -f -t 10 -T 3 -s /udhcpc.sh 2>/dev/null; then
            echo "NESTED: DHCP-OK $mac over $m (primary $pr)"
          else
            echo "NESTED: DHCP-FAIL $mac over $m (primary $pr)"
          fi ) &
      fi
      [ "$pr" = none ] && seen_primary=
    done
    [ -z "$masters" ] && echo "NESTED: FAILOVER none"
    [ "${tick:=0}" -gt 0 ] && [ $((tick % 12)) = 0 ] && echo "NESTED: pci functions: $(ls /sys/bus/pci/devices | tr '\n' ' ')"
    tick=$((tick + 1))
    sleep 5
  done
}
if grep -q 'e2e.mode=failover' /proc/cmdline; then
  failover_mode
fi

# ---- DHCP mode ------------------------------------------------------------------
n=
i=0
while [ -z "$n" ] && [ $i -lt 150 ]; do
  n=$(ls /sys/class/net | grep -v '^lo$' | head -1)
  [ -z "$n" ] && sleep 0.2
  i=$((i + 1))
done
if [ -z "$n" ]; then
  echo "NESTED: NO-NIC"
else
  mac=$(cat "/sys/class/net/$n/address")
  ip link set "$n" up
  echo "NESTED: nic $n mac $mac"
  if udhcpc -i "$n" -n -q -f -t 20 -T 3 -s /udhcpc.sh; then
    echo "NESTED: DHCP-OK $mac"
  else
    echo "NESTED: DHCP-FAIL $mac"
  fi
fi
poweroff -f
