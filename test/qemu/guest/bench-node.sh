# virtio-qemu benchmark, guest side (bench/virtio-qemu.ts boots it): one boot, pair topology
# (our two NICs on one QEMU hub), vIOMMU + vfio-pci. Alternates dpdk-testpmd io fwd --tx-first
# and our TS forwarder (runForwarder, txFirst 32) on the same NICs, REPS times, flipping the
# order every rep like bench/lib/harness.ts. Prints per run:
#   BENCH rep=<i> who=ours|testpmd kpps=<packets forwarded per second, both directions>
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
NODE=$(param ringway.node /usr/bin/node)
DUR=$(param ringway.dur 5)
REPS=$(param ringway.reps 5)
OUT_DIR=$(param ringway.dir /tmp)/out
mkdir -p /run/bin && printf '#!/bin/sh\nexec chroot /run/initrd modprobe "$@"\n' > /run/bin/modprobe &&
  chmod +x /run/bin/modprobe && export PATH=/run/bin:$PATH
MEMORY=$(param ringway.memory nohuge)
# cost measurements (docs/virtio.md "Jumbo frames"): our pool's data room, feature bits our driver
# leaves un-negotiated (hex, e.g. 8000 = MRG_RXBUF; crates/core/src/port/virtio.rs test hook)
DATA_ROOM=$(param ringway.data_room "")
FEATURES_OFF=$(param ringway.features_off "")
[ -n "$FEATURES_OFF" ] && export RINGWAY_TEST_VIRTIO_FEATURES_OFF="*=$FEATURES_OFF"
if [ "$MEMORY" = huge ]; then
  $NODE $ROOT/dist/src/cli/ringway.js hugepages --reserve 300 || exit 1
  EAL_MEM="--huge-dir /dev/hugepages -m 256"
else
  EAL_MEM="--no-huge -m 512"
fi
for b in $R0 $R1; do $NODE $ROOT/dist/src/cli/ringway.js bind $b --driver vfio-pci > /dev/null || exit 1; done

theirs() {
  # +1 s: testpmd's first stats period includes start-up and is skipped below
  # EAL start-up under TCG takes ~8-10 s (zeroing --no-huge memory): generous margin
  timeout -s INT $((DUR + 16)) dpdk-testpmd -l 0-1 -n 1 $EAL_MEM -a $R0 -a $R1 -- \
    --forward-mode=io --tx-first --nb-cores=1 --rxq=1 --txq=1 --rxd=256 --txd=256 --burst=32 \
    --total-num-mbufs=8192 --stats-period=1 > $OUT_DIR/testpmd.out 2>&1
  # 1 s stats: sum Rx-pps of both ports per period; mean of the periods after the first busy one
  local pps
  pps=$(grep -a 'Rx-pps:' $OUT_DIR/testpmd.out | awk '{k = int((NR-1)/2); v[k] += $2; m = k} END {
        for (i = 0; i <= m; i++) if (v[i] > 0) { n++; a[n] = v[i] }
        for (i = 2; i <= n; i++) { s += a[i]; c++ }; print (c ? int(s / c) : 0) }')
  [ "${pps:-0}" -gt 0 ] || { tail -20 $OUT_DIR/testpmd.out; return 1; }
  echo "BENCH rep=$1 who=testpmd kpps=$(awk -v p="$pps" 'BEGIN {printf "%.1f", p / 1000}')"
}
ours() {
  $NODE $ROOT/dist/bench/lib/virtio-guest.js virtio:$R0 virtio:$R1 $DUR $DATA_ROOM > /run/ours.out 2>&1 || { cat /run/ours.out; return 1; }
  grep -a '^  ' /run/ours.out
  echo "BENCH rep=$1 who=ours kpps=$(sed -n 's/^kpps=\([0-9.]*\).*/\1/p' /run/ours.out)"
}
if ! command -v dpdk-testpmd > /dev/null; then
  echo "BENCH error: dpdk-testpmd missing: apt-get install -y dpdk dpdk-dev librte-net-virtio23 librte-mempool-ring23"
  exit 1
fi
# rep 0: warm-up of both (first runs in a fresh TCG boot are slower: code translation, 9p
# page cache); reported but not counted by bench/virtio-qemu.ts
DUR0=$DUR; DUR=2; ours 0; theirs 0; DUR=$DUR0
rc=0
for i in $(seq "$REPS"); do
  if [ $((i % 2)) = 1 ]; then ours $i && theirs $i || rc=1; else theirs $i && ours $i || rc=1; fi
done
exit $rc
