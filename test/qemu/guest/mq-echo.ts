// Guest-side helper (cases-mq.sh): one virtio port with QUEUES queue pairs, one worker thread per
// queue. Each worker receives on its queue, checks every frame byte for byte against the
// generator (the same bytes host/mq-peer.py sends: UDP/IPv4, flow = source port - 20000), notes
// which flows it saw, and echoes the frame unchanged on its own queue's TX (so the host's tun
// flow table learns flow -> queue). Prints "ready" once every worker runs; on SIGTERM one line
// per queue
//   "mq q=Q rx=N bytes=B bad=K flows=F1,F2,... port_ipackets=N port_ibytes=B port_opackets=N"
// (the port_* figures are the port's own per-queue counters), then "mq lock_skips=..." and the
// pool audit.
//
//   node dist/test/qemu/guest/mq-echo.js SPEC QUEUES
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Pool } from '../../../src/memory/pool.js';
import { Port, type PortDescriptor } from '../../../src/port/port.js';

const SIZES = [60, 64, 100, 128, 300, 512, 1000, 1400, 1514];

/** Does the frame at u8[o..o+len) equal mq_frame(dst, flow, seq) of mq-peer.py? (header fields
 *  that depend only on flow/seq/len are checked; the payload byte for byte) */
function check(u8: Uint8Array, o: number, len: number, flow: number, seq: number): boolean {
  if (len !== SIZES[(seq + flow) % SIZES.length]) return false;
  if (u8[o + 12] !== 0x08 || u8[o + 13] !== 0x00 || u8[o + 14] !== 0x45 || u8[o + 23] !== 17) return false;
  if (((u8[o + 34]! << 8) | u8[o + 35]!) !== 20000 + flow) return false;
  for (let i = o + 49, k = 0; i < o + len; i++, k++) if (u8[i] !== ((seq * 7 + flow + k) & 0xff)) return false;
  return true;
}

interface Job { port: PortDescriptor; q: number; stop: SharedArrayBuffer }
if (!isMainThread) {
  const j = workerData as Job;
  const port = Port.attach(j.port);
  const v = port.pool, u8 = v.u8;
  const stop = new Int32Array(j.stop);
  const hs = new Uint32Array(32);
  const flows = new Set<number>();
  let rx = 0, bytes = 0, bad = 0, empty = 0;
  parentPort!.postMessage({ ready: true });
  while (Atomics.load(stop, 0) === 0) {
    const n = port.rxBurst(j.q, hs);
    if (n === 0) {
      // leave the 2 vCPUs to the other workers and the guest kernel now and then
      if (++empty >= 256) { empty = 0; Atomics.wait(stop, 0, 0, 1); }
      continue;
    }
    empty = 0;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!, o = v.dataOffset(h), len = v.dataLen(h);
      rx++; bytes += len;
      if (len < 49 || u8[o + 42] !== 0xa5) { bad++; continue; }
      const flow = (u8[o + 43]! << 8) | u8[o + 44]!;
      const seq = ((u8[o + 45]! << 24) | (u8[o + 46]! << 16) | (u8[o + 47]! << 8) | u8[o + 48]!) >>> 0;
      if (!check(u8, o, len, flow, seq)) bad++;
      flows.add(flow);
    }
    let sent = 0;
    for (let tries = 0; sent < n && tries < 1000; tries++) sent += port.txBurst(j.q, hs.subarray(sent), n - sent);
    if (sent < n) v.freeBurst(hs, n - sent, sent);
  }
  parentPort!.postMessage({ q: j.q, rx, bytes, bad, flows: [...flows].sort((a, b) => a - b) });
} else {
  const [spec, qs] = process.argv.slice(2);
  const queues = Number(qs);
  const pool = Pool.create({ name: 'guest-mq', buffers: 8192 });
  const port = Port.open(spec!, { pool, queues });
  const stop = new SharedArrayBuffer(4);
  const results: Array<{ q: number; rx: number; bytes: number; bad: number; flows: number[] }> = [];
  let ready = 0;
  const ws: Worker[] = [];
  const done = Promise.all(Array.from({ length: queues }, (_, q) => new Promise<void>((res, rej) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { port: port.descriptor(), q, stop } satisfies Job });
    ws.push(w);
    w.on('message', (m: { ready?: boolean; q: number; rx: number; bytes: number; bad: number; flows: number[] }) => {
      if (m.ready) { if (++ready === queues) console.log('ready'); } else results.push(m);
    });
    w.on('error', rej);
    w.on('exit', () => res());
  })));
  process.on('SIGTERM', () => { Atomics.store(new Int32Array(stop), 0, 1); Atomics.notify(new Int32Array(stop), 0); });
  await done;
  const st = port.stats();
  for (const r of results.sort((a, b) => a.q - b.q)) {
    const s = st.queues[r.q]!;
    console.log(`mq q=${r.q} rx=${r.rx} bytes=${r.bytes} bad=${r.bad} flows=${r.flows.join(',')} ` +
      `port_ipackets=${s.ipackets} port_ibytes=${s.ibytes} port_opackets=${s.opackets}`);
  }
  port.close();
  const audit = pool.audit();
  console.log(`audit missing=${audit.missing} duplicates=${audit.duplicates}`);
  pool.close();
}
