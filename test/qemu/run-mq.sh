#!/bin/bash
# Host side of the multi-queue guest cases: a network namespace of its own with a multi-queue
# tap (`ip tuntap ... multi_queue`), QEMU started inside it with that tap as our NIC's backend
# (-netdev tap,queues=$QUEUES,vhost=off; boot.sh TOPO=mqtap), the kernel in the namespace as the
# peer (host/mq-peer.py sends the flows and checks the echoes), guest/cases-mq.sh in the guest.
# Nothing leaves the namespace: the tap has no address, and the namespace is deleted at exit.
#
#   test/qemu/run-mq.sh         (env as boot.sh: NICS, TIMEOUT, NAME, APPEND; QUEUES default 4)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${RINGWAY_QEMU_LAB:-$HERE/lab}
NS=ringway-mq-$$; TAP=rwmq0; QUEUES=${QUEUES:-4}
command -v ip > /dev/null || { echo "skipped: apt-get install -y iproute2"; exit 0; }
[ -c /dev/net/tun ] || { echo "FAIL: no /dev/net/tun (modprobe tun)"; exit 1; }
PEER=
cleanup() {
  [ -n "$PEER" ] && kill "$PEER" 2> /dev/null && wait "$PEER" 2> /dev/null
  ip netns del "$NS" 2> /dev/null
}
trap cleanup EXIT
ip netns add "$NS" || exit 1
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip tuntap add dev $TAP mode tap multi_queue || exit 1
ip netns exec "$NS" sysctl -qw net.ipv6.conf.$TAP.disable_ipv6=1
ip netns exec "$NS" ip link set $TAP up
rm -rf "$LAB/mq"; mkdir -p "$LAB/mq" "$LAB/out"
ip netns exec "$NS" python3 "$HERE/host/mq-peer.py" $TAP "$LAB/mq" > "$LAB/out/mq-peer.log" 2>&1 &
PEER=$!
NETNS=$NS TAP=$TAP TOPO=mqtap QUEUES=$QUEUES NICS=${NICS:-modern} "$HERE/boot.sh" "$HERE/guest/cases-mq.sh"
rc=$?
touch "$LAB/mq/done"
exit $rc
