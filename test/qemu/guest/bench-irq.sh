# virtio-irq benchmark, guest side (bench/virtio-irq.ts boots it): one boot, pair topology (our
# two NICs on one QEMU hub), vIOMMU + vfio-pci (interrupts: MSI-X). The same forwarder
# (guest/irq-fwd.ts, queue 0 both ways, primed with 32 frames per port) in adaptive interrupt
# mode and in pure polling mode, alternating REPS times and flipping the order every rep.
# Prints per run:
#   BENCH rep=<i> who=adaptive|poll kpps=<frames forwarded per second, both directions>
# and once per mode the idle CPU (no traffic, IDLE s, from /proc/<pid>/stat):
#   BENCH idle who=adaptive|poll pct=<percent of one core>
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
NODE=$(param ringway.node /usr/bin/node)
DUR=$(param ringway.dur 5)
REPS=$(param ringway.reps 5)
IDLE=10
mkdir -p /run/bin && printf '#!/bin/sh\nexec chroot /run/initrd modprobe "$@"\n' > /run/bin/modprobe &&
  chmod +x /run/bin/modprobe && export PATH=/run/bin:$PATH
for b in $R0 $R1; do $NODE $ROOT/dist/src/cli/ringway.js bind $b --driver vfio-pci > /dev/null || exit 1; done
FWD="$NODE $ROOT/dist/test/qemu/guest/irq-fwd.js virtio:$R0 virtio:$R1"
run() { # rep mode
  $FWD $2 --seconds $DUR --tx-first 32 > /run/irq.out 2>&1 || { cat /run/irq.out; return 1; }
  local n; n=$(sed -n 's/^irqfwd .* fwd=\([0-9]*\) .*/\1/p' /run/irq.out)
  grep -a '^irqfwd\|^audit' /run/irq.out | sed 's/^/  /'
  [ -n "$n" ] || return 1
  echo "BENCH rep=$1 who=$2 kpps=$(awk -v n=$n -v d=$DUR 'BEGIN {printf "%.1f", n / d / 1000}')"
}
idle() { # mode
  $FWD $1 > /run/idle.out 2>&1 &
  local pid=$!
  for _ in $(seq 300); do grep -q '^ready\|rror' /run/idle.out && break; sleep 0.1; done
  sleep 5
  local t0 t1 w0 w1 hz; hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
  t0=$(awk '{print $14 + $15}' /proc/$pid/stat); w0=${EPOCHREALTIME/./}
  sleep $IDLE
  t1=$(awk '{print $14 + $15}' /proc/$pid/stat); w1=${EPOCHREALTIME/./}
  kill -TERM $pid; wait $pid
  echo "BENCH idle who=$1 pct=$(awk -v t=$((t1 - t0)) -v hz=$hz -v w=$((w1 - w0)) 'BEGIN {printf "%.2f", t / hz / (w / 1e6) * 100}')"
}
idle adaptive; idle poll
DUR0=$DUR; DUR=2; run 0 adaptive; run 0 poll; DUR=$DUR0   # warm-up, not counted
rc=0
for i in $(seq "$REPS"); do
  if [ $((i % 2)) = 1 ]; then run $i adaptive && run $i poll || rc=1; else run $i poll && run $i adaptive || rc=1; fi
done
exit $rc
