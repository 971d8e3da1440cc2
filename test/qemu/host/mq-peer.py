#!/usr/bin/env python3
"""Host side of the multi-queue guest cases (run-mq.sh runs it inside the test's network
namespace, on the multi-queue tap QEMU uses as our NIC's backend).

  mq-peer.py TAP LAB_MQ_DIR

Waits for request files LAB_MQ_DIR/req-NAME (JSON: flows, per_flow, mac) that the guest writes
over 9p once its echo workers run. For each: sends per_flow frames of each of `flows` UDP/IPv4
flows (source port 20000 + flow) into the tap; the kernel's tun driver picks a tap queue per
flow (tun's automatic flow steering: the flow hash, then the queue the guest last sent that
flow on), and QEMU feeds each tap queue to its own virtio RX queue. The guest echoes each frame
on the queue it arrived on; here every echo is checked byte for byte. Writes
LAB_MQ_DIR/res-NAME (JSON: sent, echoed, bad, missing, dup). Exits when LAB_MQ_DIR/done exists
or after 900 s. Frames: mq_frame() below; the guest (mq-echo.ts) builds the same bytes."""
import json, os, socket, struct, sys, threading, time

SIZES = [60, 64, 100, 128, 300, 512, 1000, 1400, 1514]
PACKET_OUTGOING = 4


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mq_frame(dst, flow, seq):
    n = SIZES[(seq + flow) % len(SIZES)]
    src = bytes([0x02, 0, 0, 0, 0, 1])
    iplen = n - 14
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, iplen, seq & 0xFFFF, 0, 64, 17, 0,
                               bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2])))
    ip[10:12] = struct.pack("!H", csum(bytes(ip)))
    udp = struct.pack("!HHHH", 20000 + flow, 30000, iplen - 20, 0)
    head = struct.pack("!BHI", 0xA5, flow, seq)
    body = bytes((seq * 7 + flow + i) & 0xFF for i in range(n - 14 - 20 - 8 - len(head)))
    return dst + src + b"\x08\x00" + bytes(ip) + udp + head + body


def run(tap, req):
    dst = bytes.fromhex(req["mac"].replace(":", ""))
    flows, per = req["flows"], req["per_flow"]
    want = {(f, s): mq_frame(dst, f, s) for f in range(flows) for s in range(per)}
    got, bad, dup = set(), [], []
    stop = threading.Event()
    r = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    r.bind((tap, 0))
    r.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    r.settimeout(0.2)

    def rx():
        while not stop.is_set():
            try:
                data, addr = r.recvfrom(4096)
            except socket.timeout:
                continue
            if addr[2] == PACKET_OUTGOING or len(data) < 49 or data[42] != 0xA5:
                continue
            f, s = struct.unpack("!HI", data[43:49])
            if want.get((f, s)) != data:
                bad.append((f, s))
            elif (f, s) in got:
                dup.append((f, s))
            else:
                got.add((f, s))

    t = threading.Thread(target=rx)
    t.start()
    w = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    w.bind((tap, 0))
    k = 0
    for s in range(per):
        for f in range(flows):
            w.send(want[(f, s)])
            k += 1
            if k % 8 == 0:
                time.sleep(0.003)  # the TCG guest is slow; tap queues hold 1000 frames (txqueuelen)
    last, seen, end = time.time(), -1, time.time() + 120
    while time.time() < end and time.time() - last < 10 and len(got) < len(want):
        if len(got) != seen:
            seen, last = len(got), time.time()
        time.sleep(0.1)
    time.sleep(0.5)
    stop.set()
    t.join()
    return {"sent": len(want), "echoed": len(got), "bad": len(bad), "dup": len(dup),
            "missing": sorted(set(want) - got)[:5]}


def main():
    tap, d = sys.argv[1], sys.argv[2]
    os.makedirs(d, exist_ok=True)
    end = time.time() + 900
    done = set()
    while time.time() < end and not os.path.exists(os.path.join(d, "done")):
        for n in sorted(os.listdir(d)):
            if n.startswith("req-") and n not in done:
                done.add(n)
                with open(os.path.join(d, n)) as f:
                    req = json.load(f)
                res = run(tap, req)
                tmp = os.path.join(d, "tmp-" + n[4:])
                with open(tmp, "w") as f:
                    json.dump(res, f)
                os.rename(tmp, os.path.join(d, "res-" + n[4:]))
                print(f"mq-peer {n[4:]}: {json.dumps(res)}", flush=True)
        time.sleep(0.2)


if __name__ == "__main__":
    main()
