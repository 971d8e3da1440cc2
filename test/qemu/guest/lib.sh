# Shared helpers for guest scripts (sourced; runs inside the guest chroot as root).
R0=0000:00:10.0; R1=0000:00:11.0       # our NICs (user-space driver)
K0=0000:00:12.0; K1=0000:00:13.0       # kernel NICs (cross topology): K0 on R0's hub, K1 on R1's
MP="chroot /run/initrd modprobe"
param() { local v; v=$(tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -1); echo "${v:-$2}"; }
BIN=$(param ringway.bin "")
FAILS=0
# case NAME COMMAND... : run, print CASE NAME PASS|FAIL with wall time
case_run() {
  local name=$1; shift
  local t0=${EPOCHREALTIME/./}
  if "$@"; then r=PASS; else r=FAIL; FAILS=$((FAILS + 1)); fi
  local d=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
  echo "CASE $name $r ${d}ms"
}
netdev_of() { ls /sys/bus/pci/devices/$1/virtio*/net/ 2>/dev/null | head -1; }
# The kernel-side NICs of the cross topology up, IPv6 off (no stray frames); sets KA/KB.
kernel_nics_up() {
  KA=$(netdev_of $K0); KB=$(netdev_of $K1)
  for i in $KA $KB; do
    echo 1 > /proc/sys/net/ipv6/conf/$i/disable_ipv6 2>/dev/null
    ip link set dev $i up
  done
  [ -n "$KA" ] && [ -n "$KB" ]
}
