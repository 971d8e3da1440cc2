# Guest test suite for one route (kernel command line ringway.route=vfio|uio|uio-legacy|vfio-noiommu), driven
# through Node and our addon: the `ringway` CLI (dist/src/cli/ringway.js) and the TS API
# (dist/test/qemu/guest/port-info.js), from the host's tree shared read-only over 9p.
# Prints one "CASE <name> PASS|FAIL <ms>" line per case; exit status = number of failures.
# Needs the cross topology (boot.sh TOPO=cross): R0/R1 ours, K0/K1 the kernel's.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
NODE=$(param ringway.node /usr/bin/node)
RW="$NODE $ROOT/dist/src/cli/ringway.js"
INFO="$NODE $ROOT/dist/test/qemu/guest/port-info.js"
ROUTE=$(param ringway.route vfio)
N=$(param ringway.count 1000)
case $ROUTE in
  vfio) DRV=vfio-pci; SPEC=; TNAME=modern; RNAME=vfio ;;
  uio) DRV=uio_pci_generic; SPEC=; TNAME=modern; RNAME=uio ;;
  uio-legacy) DRV=uio_pci_generic; SPEC=,transport=legacy; TNAME=legacy; RNAME=uio ;;
  vfio-noiommu) DRV=vfio-pci; SPEC=; TNAME=modern; RNAME=vfio-noiommu ;;
esac
# `ringway bind` loads modules with modprobe; the guest's modules live in the initramfs.
mkdir -p /run/bin && printf '#!/bin/sh\nexec chroot /run/initrd modprobe "$@"\n' > /run/bin/modprobe &&
  chmod +x /run/bin/modprobe && export PATH=/run/bin:$PATH
OUT=/run/out; mkdir -p $OUT

expect() { # file pattern...
  local f=$1; shift
  for p in "$@"; do grep -q -- "$p" "$f" || { echo "  missing '$p' in: $(cat "$f")"; return 1; }; done
}

t_bad_bdf() {
  $RW bind xyz --driver $DRV > $OUT/bad 2>&1; local rc=$?
  [ $rc = 1 ] && expect $OUT/bad "ERR_RINGWAY_INVALID_ARGUMENT" "bad PCI address 'xyz': expected DDDD:BB:DD.F"
}
t_kernel_bound() {
  $INFO virtio:$R0 > $OUT/kb 2>&1
  expect $OUT/kb "error=\[ERR_RINGWAY_DEVICE_BUSY\] $R0 is bound to the kernel driver virtio-pci; run \`ringway bind $R0 --driver "
}
t_hugepages() {
  # uio and vfio no-IOMMU need hugepage-backed pools (physical addresses); vfio with an IOMMU
  # runs without them (4 KiB pages)
  if [ "$RNAME" != vfio ]; then
    $RW hugepages --reserve 64 > $OUT/hp 2>&1 && expect $OUT/hp "hugepages: total=64 free=64"
  else
    $RW hugepages --show > $OUT/hp 2>&1 && expect $OUT/hp "hugepages: total=0"
  fi
}
t_bind() {
  $RW bind $R0 --driver $DRV > $OUT/bind 2>&1 && $RW bind $R1 --driver $DRV >> $OUT/bind 2>&1 || { cat $OUT/bind; return 1; }
  $RW devices > $OUT/devices 2>&1; cat $OUT/devices | sed 's/^/  /'
  expect $OUT/devices "^$R0  1af4:10[04][01]  $DRV .* $RNAME  " "^$R1  1af4:10[04][01]  $DRV .* $RNAME  " \
    "^$K0  1af4:1041  virtio-pci .* bind  "
}
t_info() { # spec mac transport
  $INFO virtio:$1 > $OUT/info 2>&1; cat $OUT/info | sed 's/^/  /'
  expect $OUT/info "kind=virtio mac=$2 link_up=true driver=virtio route=$RNAME transport=$3" "pool_after_close=2048/2048 in_use=0 missing=0 duplicates=0"
}
t_queues() {
  # hub ports are single-queue backends: asking for 2 pairs must fail with the fix named
  $INFO virtio:$R0$SPEC --queues 2 > $OUT/q2 2>&1
  expect $OUT/q2 "error=\[ERR_RINGWAY_INVALID_ARGUMENT\] port 'virtio:$R0': the device gives 1 queue pair(s), 2 were asked for; open it with queues: 1" \
    "pool_after_close=2048/2048"
}
t_mq() {
  # vfio boot: QEMU offers VIRTIO_NET_F_MQ (mq=on), the driver negotiates it (bit 22), finds the
  # control queue at index 2 * max_virtqueue_pairs and uses it (promiscuous mode at open); the hub
  # backend makes max_virtqueue_pairs 1, so traffic on several pairs needs a multi-queue backend
  $INFO virtio:$R0 > $OUT/mq 2>&1; sed 's/^/  /' $OUT/mq
  local f; f=$(sed -n 's/.*features=\(0x[0-9a-f]*\).*/\1/p' $OUT/mq)
  [ -n "$f" ] && [ $(( f & (1 << 22) )) != 0 ] && [ $(( f & (1 << 17) )) != 0 ] && expect $OUT/mq "queues=1"
}
# fwd_run NAME [traffic flags]: `ringway fwd` between our NICs in the background (env passes
# through; FWD_EXTRA: more fwd flags), kernel traffic across it, then SIGTERM and the final stats.
fwd_run() {
  local name=$1; shift
  $RW fwd --no-control ${FWD_EXTRA:-} --a virtio:$R0$SPEC --b virtio:$R1$SPEC > $OUT/$name.fwd 2>&1 &
  local pid=$!
  for _ in $(seq 300); do grep -q 'forwarding: ready\|ringway: ' $OUT/$name.fwd && break; sleep 0.1; done
  python3 $HERE/traffic.py $KA $KB --count $N "$@" > $OUT/$name.traffic 2>&1
  local trc=$?
  kill -TERM $pid; wait $pid; local frc=$?
  grep -v '^\[' $OUT/$name.fwd | sed 's/^/  /'; sed 's/^/  /' $OUT/$name.traffic
  [ $trc = 0 ] && [ $frc = 0 ]
}
stat_of() { sed -n "s/^port $2 .*\b$3=\([0-9]*\).*/\1/p" $OUT/$1.fwd; }
t_fwd() {
  fwd_run fwd || return 1
  expect $OUT/fwd.fwd "transport=$TNAME" "route=$RNAME" "buffers: 8192/8192 back in the pool, 0 missing, 0 duplicated" &&
  [ "$(stat_of fwd a ipackets)" -ge $N ] && [ "$(stat_of fwd b opackets)" -ge $N ] &&
  [ "$(stat_of fwd b ipackets)" -ge $N ] && [ "$(stat_of fwd a opackets)" -ge $N ] &&
  [ "$(stat_of fwd a bad_used)" = 0 ] && [ "$(stat_of fwd b ierrors)" = 0 ]
}
t_bad_used() {
  # test-only hook (crates/core/src/port/virtio.rs): the first 3 RX completions of R0 look
  # longer than the buffer; they must be dropped, counted, and their buffers reclaimed
  RINGWAY_TEST_BAD_USED_LEN=$R0=3 fwd_run badlen --skip-a2b 3 || return 1
  [ "$(stat_of badlen a bad_used)" = 3 ] && [ "$(stat_of badlen a ierrors)" = 3 ] &&
  [ "$(stat_of badlen b bad_used)" = 0 ] &&
  expect $OUT/badlen.fwd "buffers: 8192/8192 back in the pool, 0 missing, 0 duplicated"
}
t_rx_meta() {
  # every packet the virtio RX path hands over carries its input port and queue (and packet type
  # and hash 0): dist/test/qemu/guest/rx-meta.js checks them while forwarding kernel traffic
  $NODE $ROOT/dist/test/qemu/guest/rx-meta.js virtio:$R0$SPEC virtio:$R1$SPEC > $OUT/meta 2>&1 &
  local pid=$!
  for _ in $(seq 300); do grep -q '^ready\|rror' $OUT/meta && break; sleep 0.1; done
  python3 $HERE/traffic.py $KA $KB --count 200 > $OUT/meta.traffic 2>&1
  local trc=$?
  kill -TERM $pid; wait $pid
  sed 's/^/  /' $OUT/meta $OUT/meta.traffic
  local n; n=$(sed -n 's/^meta rx=\([0-9]*\) bad=0$/\1/p' $OUT/meta)
  [ $trc = 0 ] && [ -n "$n" ] && [ "$n" -ge 400 ] && expect $OUT/meta "audit missing=0 duplicates=0"
}
# Jumbo frames (docs/virtio.md "Jumbo frames"): one packet is one pool buffer, so 9000-byte MTU
# frames (9014 B on the wire) need a pool with a 9216-byte data room; MRG_RXBUF is negotiated so a
# frame larger than the buffer is dropped whole and counted (rx_oversize), never truncated.
kernel_mtu() { ip link set dev $KA mtu $1 && ip link set dev $KB mtu $1; }
t_jumbo() {
  kernel_mtu 9000 || return 1
  FWD_EXTRA="--data-room 9216 --buffers 4096" fwd_run jumbo --sizes 9014,60,9000,1514,4096,8999 --pace 2
  local rc=$?
  kernel_mtu 1500
  [ $rc = 0 ] && expect $OUT/jumbo.fwd "buffers: 4096/4096 back in the pool, 0 missing, 0 duplicated" &&
  [ "$(stat_of jumbo a ipackets)" -ge $N ] && [ "$(stat_of jumbo b opackets)" -ge $N ] &&
  [ "$(stat_of jumbo b ipackets)" -ge $N ] && [ "$(stat_of jumbo a opackets)" -ge $N ] &&
  [ "$(stat_of jumbo a ibytes)" -ge $((N / 6 * 9010)) ] &&
  [ "$(stat_of jumbo a rx_oversize)" = 0 ] && [ "$(stat_of jumbo b ierrors)" = 0 ]
}
t_oversize() {
  # the default 2048-byte data room: every third frame (9014 B) cannot fit one buffer; the device
  # spreads it over 5 (MRG_RXBUF), we drop all of them and count the frame once; the rest arrive
  # byte-exact and no big frame arrives at all (traffic.py --drop-over)
  kernel_mtu 9000 || return 1
  fwd_run over --sizes 60,9014,1514 --drop-over 2048
  local rc=$? big=$(( (N + 1) / 3 ))
  kernel_mtu 1500
  echo "  expected rx_oversize=$big per port"
  [ $rc = 0 ] && expect $OUT/over.fwd "buffers: 8192/8192 back in the pool, 0 missing, 0 duplicated" &&
  [ "$(stat_of over a rx_oversize)" = $big ] && [ "$(stat_of over b rx_oversize)" = $big ] &&
  [ "$(stat_of over a ierrors)" = $big ] && [ "$(stat_of over a bad_used)" = 0 ] &&
  [ "$(stat_of over b opackets)" -ge $((N - big)) ]
}
# Legacy framing (docs/virtio.md "Conformance: legacy framing"): virtio 1.2 §2.7.4.3 wants the
# virtio_net_hdr in a descriptor of its own unless VIRTIO_F_ANY_LAYOUT (bit 27) is negotiated.
features_of() { sed -n 's/.*features=\(0x[0-9a-f]*\).*/\1/p' $1; }
t_legacy_any_layout() {
  # QEMU's transitional device offers ANY_LAYOUT: negotiated (and MRG_RXBUF, bit 15)
  $INFO virtio:$R0$SPEC > $OUT/anylayout 2>&1; sed 's/^/  /' $OUT/anylayout
  local f; f=$(features_of $OUT/anylayout)
  [ -n "$f" ] && [ $(( f & (1 << 27) )) != 0 ] && [ $(( f & (1 << 15) )) != 0 ] && [ $(( f >> 32 )) = 0 ] &&
  expect $OUT/anylayout "transport=legacy"
}
t_legacy_split() {
  # the driver told not to negotiate ANY_LAYOUT (test hook): header and packet in separate
  # descriptors (RX, TX), control header / data / ack in three; traffic must stay byte-exact
  export RINGWAY_TEST_VIRTIO_FEATURES_OFF='*=8000000'
  $INFO virtio:$R0$SPEC > $OUT/splitinfo 2>&1; sed 's/^/  /' $OUT/splitinfo
  local f; f=$(features_of $OUT/splitinfo)
  fwd_run split; local rc=$?
  unset RINGWAY_TEST_VIRTIO_FEATURES_OFF
  [ -n "$f" ] && [ $(( f & (1 << 27) )) = 0 ] && [ $rc = 0 ] &&
  expect $OUT/split.fwd "transport=legacy" "buffers: 8192/8192 back in the pool, 0 missing, 0 duplicated" &&
  [ "$(stat_of split a ipackets)" -ge $N ] && [ "$(stat_of split b opackets)" -ge $N ] &&
  [ "$(stat_of split b ipackets)" -ge $N ] && [ "$(stat_of split a opackets)" -ge $N ]
}
# hold NAME [--handler]: a program holding virtio:R0 (dist/test/qemu/guest/hold-port.js), ended by
# SIGTERM; prints R0's device_status before and after and the exit status, as "B A RC".
hold() {
  local name=$1; shift
  $NODE $ROOT/dist/test/qemu/guest/hold-port.js virtio:$R0$SPEC "$@" > $OUT/$name 2>&1 &
  local pid=$!
  for _ in $(seq 300); do grep -q '^ready\|rror' $OUT/$name && break; sleep 0.1; done
  local before=$(python3 $HERE/devstatus.py $R0)
  kill -TERM $pid; wait $pid; local rc=$?
  local after=$(python3 $HERE/devstatus.py $R0)
  echo "  $name: $(head -c 300 $OUT/$name | tr '\n' ' '); device $before before SIGTERM, $after after; exit status $rc" >&2
  before=${before%% *}; after=${after%% *}
  echo "${before#status=} ${after#status=} $rc"
}
t_signal() {
  # No SIGTERM listener of its own: the library's guard resets the device (virtio status 0: DMA
  # stopped, which uio would otherwise never do) and re-raises, so the process dies of the signal.
  set -- $(hold hold1)
  [ "$1" != 0 ] && [ "$2" = 0 ] && [ "$3" = 143 ] || return 1
  # Its own listener (exits 7): the guard leaves the decision to it; 'exit' resets the device.
  set -- $(hold hold2 --handler)
  [ "$1" != 0 ] && [ "$2" = 0 ] && [ "$3" = 7 ]
}
t_sigkill() {
  # SIGKILL: nothing of the process runs (no signal guard, no exit hook). Under uio nothing in the
  # kernel stops the device either; the watchdog the driver forked at open (bind/watchdog.rs) sees
  # its pipe close, clears bus mastering and resets the device before the memory it still maps
  # (the pool, the rings) is freed. Under vfio the kernel's release path does it (and vfio-pci
  # refuses the sysfs BAR mapping devstatus.py uses). Then a restarted datapath opens the same
  # NICs again (reset at open, §3.1.1) and forwards.
  $NODE $ROOT/dist/test/qemu/guest/hold-port.js virtio:$R0$SPEC > $OUT/kill 2>&1 &
  local pid=$!
  for _ in $(seq 300); do grep -q '^ready\|rror' $OUT/kill && break; sleep 0.1; done
  grep -q '^ready' $OUT/kill || { cat $OUT/kill; return 1; }
  if [ $DRV = uio_pci_generic ]; then
    local before after
    before=$(python3 $HERE/devstatus.py $R0)
    kill -KILL $pid; wait $pid; local rc=$?
    for _ in $(seq 50); do after=$(python3 $HERE/devstatus.py $R0); [ "$after" = "status=0 bus_master=0" ] && break; sleep 0.1; done
    echo "  sigkill: device '$before' before, '$after' after SIGKILL; exit status $rc"
    [ $rc = 137 ] && [ "${before%% *}" != status=0 ] && [ "${before##* }" = bus_master=1 ] &&
      [ "$after" = "status=0 bus_master=0" ] || return 1
  else
    kill -KILL $pid; wait $pid; [ $? = 137 ] || return 1
  fi
  fwd_run restart || return 1
  expect $OUT/restart.fwd "buffers: 8192/8192 back in the pool, 0 missing, 0 duplicated" &&
  [ "$(stat_of restart a ipackets)" -ge $N ] && [ "$(stat_of restart b opackets)" -ge $N ]
}
t_unbind() {
  $RW unbind $R0 > $OUT/unbind 2>&1 && $RW unbind $R1 >> $OUT/unbind 2>&1 || { cat $OUT/unbind; return 1; }
  sleep 0.5
  local a b; a=$(netdev_of $R0); b=$(netdev_of $R1)
  echo "  netdevs after unbind: $R0=$a $R1=$b"
  [ -n "$a" ] && [ -n "$b" ] && ip link set dev "$a" up && ip link set dev "$b" up &&
  grep -q 52:54:00:12:34:10 /sys/class/net/$a/address &&
  expect $OUT/unbind "^$R0  .* virtio-pci .* bind  " &&
  # and the NIC can be taken again (the reset at close left it usable)
  $RW bind $R0 --driver $DRV > /dev/null && $RW unbind $R0 > /dev/null && [ -n "$(netdev_of $R0)" ]
}

# vfio-noiommu: no IOMMU in this guest, so vfio-pci must refuse until no-IOMMU mode is on, and
# say how to turn it on; then turn it on (our vfio.ko, build-vfio-noiommu.sh) and check the taint.
t_noiommu_off() {
  $RW bind $R0 --driver vfio-pci > $OUT/nooff 2>&1; local rc=$?
  [ $rc = 1 ] && expect $OUT/nooff "$R0 has no IOMMU group, so vfio-pci cannot take it" \
    "modprobe vfio enable_unsafe_noiommu_mode=1" "uio_pci_generic" &&
  [ "$(cat /sys/bus/pci/devices/$R0/driver_override)" = "(null)" ]
}
t_noiommu_on() {
  $MP vfio enable_unsafe_noiommu_mode=1 || { echo "  modprobe vfio enable_unsafe_noiommu_mode=1 failed"; return 1; }
  grep -q Y /sys/module/vfio/parameters/enable_unsafe_noiommu_mode
}
t_noiommu_group() {
  local g; g=$(basename "$(readlink /sys/bus/pci/devices/$R0/iommu_group)")
  echo "  $R0: iommu group $g ($(cat /sys/kernel/iommu_groups/$g/name)), $(ls /dev/vfio | tr '\n' ' '), taint $(cat /proc/sys/kernel/tainted)"
  [ -c /dev/vfio/noiommu-$g ] && [ "$(cat /sys/kernel/iommu_groups/$g/name)" = vfio-noiommu ] &&
  # vfio-pci taints the kernel (TAINT_USER, bit 6) when it binds a device without an IOMMU
  [ $(( $(cat /proc/sys/kernel/tainted) >> 6 & 1 )) = 1 ]
}
t_noiommu_nohuge() {
  # physical addresses: a pool without hugepages is refused with the fix named
  $INFO virtio:$R0 --no-huge > $OUT/nohuge 2>&1
  expect $OUT/nohuge "ERR_RINGWAY_NO_HUGEPAGES" "vfio-pci in no-IOMMU mode" "ringway hugepages --reserve"
}

t_node() {
  # the guest runs the Node under test (run-tests.sh passes its path and version), not /usr/bin/node
  $RW --version > $OUT/version 2>&1 || { cat $OUT/version; return 1; }
  echo "  $(cat $OUT/version)"
  expect $OUT/version "node $(param ringway.nodever unknown)," "memory views: "
}

case_run $ROUTE/node-under-test t_node
case_run $ROUTE/bad-bdf t_bad_bdf
case_run $ROUTE/kernel-bound-error t_kernel_bound
case_run $ROUTE/hugepages t_hugepages
if [ $ROUTE = vfio-noiommu ]; then
  case_run $ROUTE/noiommu-off-error t_noiommu_off
  case_run $ROUTE/noiommu-mode-on t_noiommu_on
fi
case_run $ROUTE/bind t_bind
[ $ROUTE = vfio-noiommu ] && case_run $ROUTE/noiommu-group-taint t_noiommu_group
case_run $ROUTE/info-r0 t_info $R0$SPEC 52:54:00:12:34:10 $TNAME
case_run $ROUTE/info-r1 t_info $R1$SPEC 52:54:00:12:34:11 $TNAME
[ $ROUTE = vfio-noiommu ] && case_run $ROUTE/no-hugepages-error t_noiommu_nohuge
[ $ROUTE = uio-legacy ] && case_run $ROUTE/info-r0-modern-on-transitional t_info $R0 52:54:00:12:34:10 modern
case_run $ROUTE/queues-error t_queues
[ "$(param ringway.mq 0)" = 1 ] && case_run $ROUTE/mq-negotiated t_mq
case_run $ROUTE/kernel-nics-up kernel_nics_up
case_run $ROUTE/fwd-byte-exact t_fwd
case_run $ROUTE/bad-used-len t_bad_used
case_run $ROUTE/rx-metadata t_rx_meta
case_run $ROUTE/jumbo-9000-byte-exact t_jumbo
case_run $ROUTE/jumbo-oversize-counted t_oversize
[ $ROUTE = uio-legacy ] && case_run $ROUTE/legacy-any-layout-negotiated t_legacy_any_layout
[ $ROUTE = uio-legacy ] && case_run $ROUTE/legacy-split-header-descriptors t_legacy_split
# interrupt mode (cases-irq.sh): idle CPU under 1% of a core, a kernel frame wakes the forwarder
. "$HERE/cases-irq.sh"
# (every route: adaptive, INTx on uio modern and legacy, MSI-X on vfio; the polling comparison and
# the promise-based wait on the vfio boot only, ~30 s each)
case_run $ROUTE/irq-adaptive-idle-wake t_irq adaptive
if [ $ROUTE = vfio ]; then
  case_run $ROUTE/irq-idle-poll-cpu t_irq_poll
  case_run $ROUTE/irq-async-idle-wake t_irq_async
fi
# uio routes: there nothing else resets a device whose process died (vfio's release path does, and
# vfio-pci refuses the sysfs BAR mapping devstatus.py uses while it owns the device).
[ $DRV = uio_pci_generic ] && case_run $ROUTE/signal-resets-device t_signal
case_run $ROUTE/sigkill-reset-restart t_sigkill
case_run $ROUTE/unbind-kernel t_unbind
echo "GUEST: $FAILS failed"
exit $FAILS
