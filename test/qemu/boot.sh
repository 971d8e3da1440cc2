#!/bin/bash
# Boot the test guest (q35, TCG, never KVM-dependent) and run one guest script; exit status =
# the script's (via isa-debug-exit), 124 on timeout.
#
#   NICS=viommu|modern|legacy TOPO=cross|pair test/qemu/boot.sh guest/SCRIPT.sh
#
# NICS  viommu : intel-iommu + our NICs disable-legacy=on,iommu_platform=on, guest intel_iommu=on
#                (route: vfio-pci with a real type1 IOMMU)
#       modern : our NICs disable-legacy=on (virtio 1.x only; route: uio_pci_generic)
#       legacy : transitional NICs (legacy I/O BAR0 + modern capabilities; route: uio_pci_generic)
# TOPO  pair  : our NICs 0000:00:10.0 and 0000:00:11.0 on one QEMU-internal hub
#       cross : hub0 = our 00:10.0 + kernel NIC 00:12.0, hub1 = our 00:11.0 + kernel NIC 00:13.0
#       mqtap : our 00:10.0 only, on the multi-queue host tap $TAP (QUEUES queues, vhost=off), which
#               the caller created in network namespace $NETNS (run-mq.sh); QEMU runs inside it
# Networking is only QEMU-internal hubs: -nic none, no user-mode net, no tap, no addresses.
# Knobs: MEM (MiB, 2048) SMP (2) TIMEOUT (s, 300) APPEND (extra kernel args) NAME (log name)
#        QUEUES (virtio queue pairs offered by our NICs: mq=on with vectors; hub ports are
#        single-queue, so the device still reports max_virtqueue_pairs=1)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
CMD=${1:+$(realpath "$1")}
NICS=${NICS:-viommu}; TOPO=${TOPO:-cross}; MEM=${MEM:-2048}; SMP=${SMP:-2}; TIMEOUT=${TIMEOUT:-300}
NAME=${NAME:-$(basename "${CMD:-shell}" .sh)-$NICS-$TOPO}
mkdir -p "$LAB/out"; LOG=$LAB/out/$NAME.log
[ -f "$LAB/initramfs.cpio.gz" ] || { echo "no guest in $LAB: run test/qemu/build-guest.sh" >&2; exit 2; }
# no_timer_check: under TCG on a loaded host the kernel's early check that the timer interrupt
# arrives through the (vIOMMU-remapped) IO-APIC can miss, and it panics ("timer doesn't work
# through Interrupt-remapped IO-APIC"); the timer works, the check is only too impatient.
APP="console=ttyS0 panic=-1 loglevel=4 no_timer_check ringway.dir=$LAB ringway.repo=$(cd "$HERE/../.." && pwd) ${APPEND:-}"
[ -n "$CMD" ] && APP="$APP ringway.cmd=$CMD"
ARGS=(-machine q35 -accel tcg -cpu max -smp "$SMP" -m "$MEM" -nographic -nic none -vga none -no-reboot
      -kernel "$LAB/kernel/vmlinuz" -initrd "$LAB/initramfs.cpio.gz"
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
      -virtfs "local,path=$LAB,mount_tag=lab,security_model=none,multidevs=remap")
OPT=",romfile="
case "$NICS" in
  viommu) ARGS=(-device intel-iommu "${ARGS[@]}"); OPT="$OPT,disable-legacy=on,iommu_platform=on"; APP="$APP intel_iommu=on" ;;
  modern) OPT="$OPT,disable-legacy=on" ;;
  legacy) ;;
  *) echo "NICS=$NICS?" >&2; exit 2 ;;
esac
[ -n "${QUEUES:-}" ] && OPT="$OPT,mq=on,vectors=$((2 * QUEUES + 2))"
# hub0 / hub1 ports; our NICs first so their BDFs are fixed: 00:10.0 and 00:11.0
if [ "$TOPO" = mqtap ]; then
  ARGS+=(-netdev "tap,id=r0,ifname=$TAP,script=no,downscript=no,vhost=off,queues=$QUEUES"
         -device "virtio-net-pci,netdev=r0,mac=52:54:00:12:34:10,addr=0x10$OPT")
else
ARGS+=(-netdev hubport,id=r0,hubid=0)
fi
if [ "$TOPO" = mqtap ]; then :
elif [ "$TOPO" = pair ]; then
  ARGS+=(-netdev hubport,id=r1,hubid=0)
else
  ARGS+=(-netdev hubport,id=r1,hubid=1 -netdev hubport,id=k0,hubid=0 -netdev hubport,id=k1,hubid=1)
fi
[ "$TOPO" != mqtap ] && ARGS+=(-device "virtio-net-pci,netdev=r0,mac=52:54:00:12:34:10,addr=0x10$OPT"
       -device "virtio-net-pci,netdev=r1,mac=52:54:00:12:34:11,addr=0x11$OPT")
if [ "$TOPO" = cross ]; then
  # the guest kernel's own NICs (plain modern virtio-net-pci, driven by virtio_net)
  ARGS+=(-device "virtio-net-pci,netdev=k0,mac=52:54:00:12:34:12,addr=0x12,romfile=,disable-legacy=on"
         -device "virtio-net-pci,netdev=k1,mac=52:54:00:12:34:13,addr=0x13,romfile=,disable-legacy=on")
fi
ARGS+=(-append "$APP")
echo "qemu-system-x86_64 ${ARGS[*]}" > "$LOG"
T0=${EPOCHREALTIME/./}
NS=(); [ -n "${NETNS:-}" ] && NS=(ip netns exec "$NETNS")
timeout --foreground -k 5 "$TIMEOUT" "${NS[@]}" qemu-system-x86_64 "${ARGS[@]}" < /dev/null 2>&1 |
  while IFS= read -r l; do
    d=$(( ${EPOCHREALTIME/./} - T0 )); printf '[%4d.%02d] %s\n' $((d/1000000)) $((d%1000000/10000)) "$l"
  done >> "$LOG"
QRC=${PIPESTATUS[0]}
d=$(( ${EPOCHREALTIME/./} - T0 ))
# isa-debug-exit: status (rc<<1)|1; 0 = powered off without it; 124 = our timeout
if [ "$QRC" = 124 ]; then RC=124; elif [ $((QRC & 1)) = 1 ]; then RC=$((QRC >> 1)); else RC=$((QRC == 0 ? 99 : QRC)); fi
printf 'HOST: %s: qemu status %s -> guest rc %s, wall %d.%02ds\n' "$NAME" "$QRC" "$RC" $((d/1000000)) $((d%1000000/10000)) | tee -a "$LOG"
exit "$RC"
