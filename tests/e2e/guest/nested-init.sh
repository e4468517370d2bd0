#!/bin/busybox sh
# guest/nested-init.sh: init of the nested VM (extra/06-nested-dhcp.sh) — loads igbvf, DHCPs on the passed-through VF, reports on ttyS0, powers off.
/bin/busybox --install -s /bin
mkdir -p /proc /sys /dev /usr/share/udhcpc
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do insmod "/mods/$m"; done
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
  # udhcpc only reports; nothing needs the address configured.
  printf '#!/bin/sh\n[ "$1" = bound ] && echo "NESTED: lease $ip"\nexit 0\n' > /udhcpc.sh
  chmod +x /udhcpc.sh
  if udhcpc -i "$n" -n -q -f -t 20 -T 3 -s /udhcpc.sh; then
    echo "NESTED: DHCP-OK $mac"
  else
    echo "NESTED: DHCP-FAIL $mac"
  fi
fi
poweroff -f
