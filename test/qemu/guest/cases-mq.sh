# Multi-queue guest cases (run-mq.sh boots them: our NIC 00:10.0 on a host multi-queue tap with 4
# queues, QEMU mq=on; host/mq-peer.py in the test's namespace is the kernel-side peer). Route:
# uio_pci_generic on a modern NIC. Prints CASE lines like cases.sh; exit status = failures.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
NODE=$(param ringway.node /usr/bin/node)
RW="$NODE $ROOT/dist/src/cli/ringway.js"
INFO="$NODE $ROOT/dist/test/qemu/guest/port-info.js"
ECHO="$NODE $ROOT/dist/test/qemu/guest/mq-echo.js"
LABMQ=$(param ringway.dir "")/mq
MAXQ=$(param ringway.mqmax 4)
mkdir -p /run/bin && printf '#!/bin/sh\nexec chroot /run/initrd modprobe "$@"\n' > /run/bin/modprobe &&
  chmod +x /run/bin/modprobe && export PATH=/run/bin:$PATH
OUT=/run/out; mkdir -p $OUT
expect() { local f=$1; shift; for p in "$@"; do grep -q -- "$p" "$f" || { echo "  missing '$p' in: $(cat "$f")"; return 1; }; done; }

t_setup() {
  $RW hugepages --reserve 64 > $OUT/hp 2>&1 && $RW bind $R0 --driver uio_pci_generic > $OUT/bind 2>&1 || { cat $OUT/hp $OUT/bind; return 1; }
}
t_offered() {
  # the tap backend has MAXQ queues: the device offers MAXQ pairs, and a port may ask for all
  $INFO virtio:$R0 --queues $MAXQ > $OUT/info 2>&1; sed 's/^/  /' $OUT/info
  expect $OUT/info "queues=$MAXQ" "pool_after_close=2048/2048"
}
# t_traffic QUEUES: echo workers on QUEUES pairs (VQ_PAIRS_SET QUEUES of MAXQ at open), 64 flows x
# 4 frames from the host kernel; every frame back byte-exact, every queue carried traffic, each
# flow stayed on one queue, the port's per-queue counters equal what each worker received.
t_traffic() {
  local nq=$1 name=mq$1 flows=64 per=4
  $ECHO virtio:$R0 $nq > $OUT/$name 2>&1 &
  local pid=$!
  for _ in $(seq 600); do grep -q '^ready\|rror' $OUT/$name && break; sleep 0.1; done
  grep -q '^ready' $OUT/$name || { cat $OUT/$name; kill $pid; return 1; }
  echo "{\"flows\": $flows, \"per_flow\": $per, \"mac\": \"52:54:00:12:34:10\"}" > $LABMQ/tmp-$name && mv $LABMQ/tmp-$name $LABMQ/req-$name
  for _ in $(seq 1800); do [ -f $LABMQ/res-$name ] && break; sleep 0.1; done
  kill -TERM $pid; wait $pid; local rc=$?
  sed 's/^/  /' $OUT/$name | grep -v '^  (\|!!'
  local res; res=$(cat $LABMQ/res-$name 2>/dev/null); echo "  host peer: ${res:-no result}"
  [ $rc = 0 ] && [ -n "$res" ] || return 1
  python3 - "$OUT/$name" "$res" $nq $((flows * per)) <<'PY'
import json, re, sys
out, res, nq, total = open(sys.argv[1]).read(), json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
qs = [dict(re.findall(r"(\w+)=(\S*)", l)) for l in out.splitlines() if l.startswith("mq q=")]
errs = []
if res["sent"] != total or res["echoed"] != total or res["bad"] or res["dup"]:
    errs.append(f"host: {res}")
if len(qs) != nq:
    errs.append(f"{len(qs)} queue lines, want {nq}")
seen = {}
for q in qs:
    n = int(q["rx"])
    if n == 0:
        errs.append(f"queue {q['q']} carried nothing")
    if int(q["bad"]):
        errs.append(f"queue {q['q']}: {q['bad']} frames not byte-exact")
    if int(q["port_ipackets"]) != n or int(q["port_ibytes"]) != int(q["bytes"]) or int(q["port_opackets"]) != n:
        errs.append(f"queue {q['q']}: port counters {q['port_ipackets']}/{q['port_ibytes']}/{q['port_opackets']} vs worker {n}/{q['bytes']}")
    for f in filter(None, q["flows"].split(",")):
        seen.setdefault(int(f), []).append(int(q["q"]))
if sum(int(q["rx"]) for q in qs) != total:
    errs.append(f"workers received {sum(int(q['rx']) for q in qs)}, want {total}")
split = {f: v for f, v in seen.items() if len(v) > 1}
if split:
    errs.append(f"flows on several queues: {split}")
print(f"  check: {nq} queues, per queue {[int(q['rx']) for q in qs]} frames, {len(seen)} flows each on one queue: {'ok' if not errs else errs}")
sys.exit(1 if errs else 0)
PY
  [ $? = 0 ] && expect $OUT/$name "audit missing=0 duplicates=0"
}
t_unbind() { $RW unbind $R0 > $OUT/unbind 2>&1 || { cat $OUT/unbind; return 1; }; }

case_run mq/setup t_setup
case_run mq/offered-$MAXQ-pairs t_offered
case_run mq/traffic-4-pairs t_traffic 4
case_run mq/traffic-2-pairs-vq-pairs-set t_traffic 2
case_run mq/unbind t_unbind
echo "GUEST: $FAILS failed"
exit $FAILS
