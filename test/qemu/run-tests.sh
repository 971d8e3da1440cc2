#!/bin/bash
# Host entry point for the virtio-net driver tests in QEMU TCG guests.
#
#   test/qemu/run-tests.sh [vfio] [uio] [uio-legacy]     (default: all three)
#
# Builds the guest (kernel via apt-get download + busybox initramfs) and the guest-side test
# binary (crates/core/examples/virtio_smoke.rs), boots one guest per route with the cross
# topology (2 NICs ours, 2 NICs the guest kernel's) and prints the guest's CASE lines:
#   PASS|FAIL <route>/<case> <ms>
# Exit status: non-zero when any case fails or a guest does not finish.
# Env: RINGWAY_QEMU_LAB (lab dir, default test/qemu/lab), CARGO_TARGET_DIR, COUNT (frames per
# direction, 1000), TIMEOUT (s per boot, 300).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
if ! command -v qemu-system-x86_64 > /dev/null; then
  echo "skipped: apt-get install -y qemu-system-x86 busybox-static kmod cpio"
  exit 0
fi
ROUTES=("$@"); [ ${#ROUTES[@]} = 0 ] && ROUTES=(vfio uio uio-legacy)
T0=$SECONDS
[ -f "$LAB/initramfs.cpio.gz" ] || "$HERE/build-guest.sh" || exit 1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p ringway-core --example virtio_smoke) || exit 1
BIN=$TARGET/release/examples/virtio_smoke
fail=0
for r in "${ROUTES[@]}"; do
  case $r in
    vfio) nics=viommu; extra="ringway.mq=1"; q=2 ;;   # MQ case rides on the vfio boot
    uio) nics=modern; extra=; q= ;;
    uio-legacy) nics=legacy; extra=; q= ;;
    *) echo "unknown route $r"; exit 2 ;;
  esac
  NICS=$nics TOPO=cross QUEUES=$q TIMEOUT=${TIMEOUT:-300} NAME=tests-$r \
    APPEND="ringway.bin=$BIN ringway.route=$r ringway.count=${COUNT:-1000} $extra" \
    "$HERE/boot.sh" "$HERE/guest/cases.sh" > /dev/null
  rc=$?
  log=$LAB/out/tests-$r.log
  grep -a '] CASE ' "$log" | sed 's/.*] CASE \([^ ]*\) \([A-Z]*\) \(.*\)/\2 \1 \3/'
  n=$(grep -ac '] CASE ' "$log")
  if [ $rc != 0 ] || [ "$n" = 0 ]; then
    fail=1
    echo "FAIL $r: guest rc $rc ($n cases ran); log: $log"
  fi
  grep -a '^HOST:' "$log" | tail -1
done
echo "total $((SECONDS - T0))s: $([ $fail = 0 ] && echo PASS || echo FAIL)"
exit $fail
