#!/bin/bash
# virtio-qemu peer benchmark: dpdk-testpmd (io fwd, --tx-first) vs our forwarder in the same
# TCG guest boot, vIOMMU + vfio-pci, our two NICs on one QEMU hub. Numbers are emulator-bound
# (TCG): compare the two, not against hardware.
#   test/qemu/bench.sh [seconds per tool, default 10]
# Needs on the host (its root is the guest userland): dpdk-dev librte-net-virtio23 librte-mempool-ring23
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(cd "$HERE/../.." && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
command -v qemu-system-x86_64 > /dev/null || { echo "skipped: apt-get install -y qemu-system-x86 busybox-static kmod cpio"; exit 0; }
[ -f "$LAB/initramfs.cpio.gz" ] || "$HERE/build-guest.sh" || exit 1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p ringway-core --example virtio_smoke) || exit 1
NICS=viommu TOPO=pair NAME=bench TIMEOUT=$((4 * ${1:-10} + 120)) \
  APPEND="ringway.bin=$TARGET/release/examples/virtio_smoke ringway.dur=${1:-10}" \
  "$HERE/boot.sh" "$HERE/guest/bench.sh" > /dev/null
rc=$?
grep -a 'BENCH\|bench forwarded' "$LAB/out/bench.log" | sed 's/^\[[ 0-9.]*\] //'
exit $rc
