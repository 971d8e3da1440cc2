#!/bin/bash
# Host entry point for the virtio-net driver tests in QEMU TCG guests.
#
#   test/qemu/run-tests.sh [vfio] [uio] [uio-legacy] [vfio-noiommu] [mq]     (default: all five)
# mq: our NIC on a multi-queue host tap in a namespace of its own (run-mq.sh, guest/cases-mq.sh)
#
# Builds the guest (kernel via apt-get download + busybox initramfs), boots one guest per route
# with the cross topology (2 NICs ours, 2 NICs the guest kernel's) and prints the guest's CASE
# lines:
#   PASS|FAIL <route>/<case> <ms>
#   SKIP <route>/all skipped: <why and the command>     (vfio-noiommu without its vfio.ko)
# vfio-noiommu needs a vfio.ko built with CONFIG_VFIO_NOIOMMU (build-vfio-noiommu.sh, run by
# build-guest.sh; Debian's is built without): when that could not be built the route is skipped
# with the reason recorded in $LAB/noiommu.status.
# The default suite (guest/cases.sh) runs Node and our addon in the guest: the `ringway` CLI and
# the TS API from this tree's dist/ (built here with `npm run build` if missing). SUITE=rust runs
# the older Rust-binary suite instead (guest/rust-cases.sh, crates/core/examples/virtio_smoke.rs).
# Exit status: non-zero when any case fails or a guest does not finish.
# Env: RINGWAY_NODE (the node the guest runs, default PATH's), RINGWAY_QEMU_LAB (lab dir, default test/qemu/lab), CARGO_TARGET_DIR, COUNT (frames per
# direction, 1000), TIMEOUT (s per boot, 600: the jumbo cases add ~1 min and the interrupt cases ~35-90 s per route on a busy host), SUITE (node | rust).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
if ! command -v qemu-system-x86_64 > /dev/null; then
  echo "skipped: apt-get install -y qemu-system-x86 busybox-static kmod cpio"
  exit 0
fi
ROUTES=("$@"); [ ${#ROUTES[@]} = 0 ] && ROUTES=(vfio uio uio-legacy vfio-noiommu mq)
T0=$SECONDS
# noiommu.status is written with the initramfs: a guest built before it existed is rebuilt, and so
# is one older than the script that builds it (its init changed)
if [ ! -f "$LAB/initramfs.cpio.gz" ] || [ ! -f "$LAB/noiommu.status" ] ||
   [ "$HERE/build-guest.sh" -nt "$LAB/initramfs.cpio.gz" ]; then
  "$HERE/build-guest.sh" || exit 1
fi
SUITE=${SUITE:-node}
if [ "$SUITE" = rust ]; then
  TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p ringway-core --example virtio_smoke) || exit 1
  BIN=$TARGET/release/examples/virtio_smoke
  SCRIPT=$HERE/guest/rust-cases.sh
else
  # the guest runs the host's node on this tree (9p, read-only): it must be built here
  if [ ! -f "$ROOT/dist/src/cli/ringway.js" ] || ! ls "$ROOT"/native/*.node > /dev/null 2>&1; then
    (cd "$ROOT" && npm run build > /dev/null) || exit 1
  fi
  # the Node under test: RINGWAY_NODE (qemu.test.ts passes its own process.execPath), else PATH's.
  # The guest sees the host root read-only but its own /tmp, /run and /var/tmp (boot.sh's init).
  BIN=${RINGWAY_NODE:-$(command -v node)} || { echo "FAIL: node not on PATH"; exit 1; }
  # ...except this tree itself, which build-guest.sh binds back where a checkout lives under /tmp
  # (a CI clone may): a Node inside it (.ci/node/) is visible too.
  case $BIN in "$ROOT"/*) ;; /tmp/*|/run/*|/var/tmp/*) echo "FAIL: node at $BIN is hidden from the guest (install it elsewhere, e.g. .ci/node/)"; exit 1 ;; esac
  NODEVER=$("$BIN" --version)
  SCRIPT=$HERE/guest/cases.sh
fi
fail=0
for r in "${ROUTES[@]}"; do
  case $r in
    vfio) nics=viommu; extra="ringway.mq=1"; q=2 ;;   # MQ case rides on the vfio boot
    uio) nics=modern; extra=; q= ;;
    uio-legacy) nics=legacy; extra=; q= ;;
    # modern NICs and no vIOMMU: vfio-pci only takes them in no-IOMMU mode
    vfio-noiommu) nics=modern; extra=; q=
      st=$(cat "$LAB/noiommu.status")
      if [ "$st" != ok ]; then echo "SKIP $r/all $st (then rm $LAB/noiommu.status to retry)"; continue; fi ;;
    mq) nics=modern; extra=; q=4 ;;
    *) echo "unknown route $r"; exit 2 ;;
  esac
  # ringway.count: frames each way in the cross-topology traffic cases. 200, not 1000: past ~250
  # frames in a row the guest kernel's own RX ring (256) lost runs of frames while our side had
  # counted every one out (seen in 3 of 16 cases in a CI run on this session's code; docs/virtio.md).
  boot_route() {
    if [ "$r" = mq ]; then
      NICS=$nics QUEUES=$q TIMEOUT=${TIMEOUT:-600} NAME=tests-$r \
        APPEND="ringway.bin=$BIN ringway.node=$BIN ringway.nodever=${NODEVER:-} ringway.mqmax=$q" "$HERE/run-mq.sh" > /dev/null
      return
    fi
    NICS=$nics TOPO=cross QUEUES=$q TIMEOUT=${TIMEOUT:-600} NAME=tests-$r \
      APPEND="ringway.bin=$BIN ringway.node=$BIN ringway.nodever=${NODEVER:-} ringway.route=$r ringway.count=${COUNT:-200} $extra" \
      "$HERE/boot.sh" "$SCRIPT" > /dev/null
  }
  boot_route
  rc=$?
  log=$LAB/out/tests-$r.log
  # One boot more for a route whose first boot had failing cases: the kernel-side traffic checker
  # of the cross topology loses frames now and then when the TCG guest's vCPUs are starved (the
  # guest kernel's RX ring overflows while our side counted every frame out). A real fault fails
  # the second boot too; the first boot's failures are printed (not as CASE lines) either way.
  if [ $rc != 0 ] || grep -aq '] CASE [^ ]* FAIL' "$log"; then
    echo "RETRY $r: the first boot had: $(grep -a '] CASE [^ ]* FAIL' "$log" | sed 's/.*] CASE //' | tr '\n' ';') rc $rc"
    cp "$log" "$log.first"
    boot_route
    rc=$?
  fi
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
