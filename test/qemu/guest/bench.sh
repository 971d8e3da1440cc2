# Peer benchmark inside one guest boot (pair topology: our two NICs on one hub, vIOMMU+vfio):
# dpdk-testpmd io forwarding with --tx-first, then our forwarder doing the same, same duration.
# Prints "BENCH <who> kpps=<forwarded packets per second, both directions>".
. "$(dirname "$0")/lib.sh"
DUR=$(param ringway.dur 10)
OUT_DIR=$(param ringway.dir /tmp)/out
$MP vfio_iommu_type1; $MP vfio_pci
for b in $R0 $R1; do $BIN bind $b vfio-pci > /dev/null || exit 1; done
rc=0
if command -v dpdk-testpmd > /dev/null; then
  timeout -s INT $((DUR + 4)) dpdk-testpmd -l 0-1 -n 1 --no-huge -m 512 -a $R0 -a $R1 -- \
    --forward-mode=io --tx-first --nb-cores=1 --rxq=1 --txq=1 --rxd=256 --txd=256 \
    --total-num-mbufs=8192 --stats-period=1 > $OUT_DIR/testpmd.out 2>&1
  # 1 s stats: sum Rx-pps of both ports per period, average the periods after forwarding began
  # (skip the first busy period: it includes start-up)
  pps=$(grep -a 'Rx-pps:' $OUT_DIR/testpmd.out | awk '{k = int((NR-1)/2); v[k] += $2; m = k} END {
        for (i = 0; i <= m; i++) if (v[i] > 0) { n++; a[n] = v[i] }
        for (i = 2; i <= n; i++) { s += a[i]; c++ }; print (c ? int(s / c) : 0) }')
  echo "BENCH testpmd kpps=$(awk -v p="$pps" 'BEGIN {printf "%.1f", p / 1000}') (mean of 1 s periods)"
  [ "$pps" -gt 0 ] || { tail -20 $OUT_DIR/testpmd.out; rc=1; }
else
  echo "BENCH testpmd skipped: apt-get install -y dpdk-dev librte-net-virtio23 librte-mempool-ring23"
fi
$BIN bench $R0 $R1 --secs $DUR > /run/bench.out 2>&1 || rc=1
cat /run/bench.out
echo "BENCH ringway kpps=$(sed -n 's/.*kpps=\([0-9.]*\).*/\1/p' /run/bench.out)"
exit $rc
