// Holds one port inside a network namespace for test/kernel/*.test.ts (run there with
// `ip netns exec`). argv[2]: {spec, queues, buffers}. Prints {ready, info, kernel} once open, then
// answers one JSON command per stdin line:
//   {cmd:'rx', count, timeoutMs}   -> {frames: [[queue, hex]...] (IPv4 frames only), other, stats}
//   {cmd:'tx', frames: [hex], queue} -> {sent, stats}
//   {cmd:'close'}                  -> {audit: {missing, duplicated}, closed: true}, then exits
// Errors print {error, code} and exit 1.
import { createInterface } from 'node:readline';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { META_PORT, META_QUEUE } from '../../src/memory/layout.js';

const cfg = JSON.parse(process.argv[2]!) as { spec: string; queues?: number; buffers?: number };
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

let pool: Pool, port: Port, v: PoolView;
try {
  pool = Pool.create({ buffers: cfg.buffers ?? 8192, hugepages: 'never' });
  port = Port.open(cfg.spec, { pool, queues: cfg.queues ?? 1 });
  v = port.pool;
  out({ ready: true, info: port.info(), kernel: port.kernelInfo() });
} catch (e) {
  out({ error: (e as Error).message, code: (e as { code?: string }).code });
  process.exit(1);
}

const hs = new Uint32Array(64);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rx(count: number, timeoutMs: number) {
  const frames: Array<[number, string]> = [];
  let other = 0, badMeta = 0;
  const t0 = Date.now();
  while (frames.length < count && Date.now() - t0 < timeoutMs) {
    let got = 0;
    for (let q = 0; q < port.queues; q++) {
      const n = port.rxBurst(q, hs);
      got += n;
      for (let k = 0; k < n; k++) {
        const h = hs[k]!;
        const o = v.dataOffset(h), len = v.dataLen(h);
        const b = Buffer.from(v.u8.subarray(o, o + len));
        // the RX path fills the input port and queue (META_PORT, META_QUEUE) of every packet
        const m = v.offset(h);
        if (v.dv.getUint16(m + META_PORT, true) !== (port.id & 0xffff) || v.dv.getUint16(m + META_QUEUE, true) !== q) badMeta++;
        if (b.readUInt16BE(12) === 0x0800) frames.push([q, b.toString('hex')]);
        else other++;
      }
      v.freeBurst(hs, n);
    }
    if (got === 0) await sleep(1);
  }
  return { frames, other, badMeta, stats: port.stats() };
}

function tx(frames: string[], q: number) {
  let sent = 0;
  for (let i = 0; i < frames.length; ) {
    const n = Math.min(hs.length, frames.length - i);
    if (v.allocBurst(hs, n) !== n) throw new Error('pool empty');
    for (let k = 0; k < n; k++) {
      const b = Buffer.from(frames[i + k]!, 'hex');
      v.reset(hs[k]!);
      v.u8.set(b, v.dataOffset(hs[k]!));
      v.setDataLen(hs[k]!, b.length);
    }
    let s = 0;
    for (let tries = 0; s < n && tries < 1000; tries++) s += port.txBurst(q, hs.subarray(s), n - s);
    v.freeBurst(hs, n - s, s);
    sent += s;
    i += n;
  }
  return { sent, stats: port.stats() };
}

const rl = createInterface({ input: process.stdin });
rl.on('line', async (l) => {
  const c = JSON.parse(l);
  try {
    if (c.cmd === 'rx') out(await rx(c.count, c.timeoutMs ?? 5000));
    else if (c.cmd === 'tx') out(tx(c.frames, c.queue ?? 0));
    else if (c.cmd === 'info') out({ info: port.info(), kernel: port.kernelInfo() });
    else if (c.cmd === 'close') {
      port.close();
      const a = pool.audit();
      out({ audit: a, closed: true });
      pool.close();
      process.exit(0);
    }
  } catch (e) {
    out({ error: (e as Error).message, code: (e as { code?: string }).code });
    process.exit(1);
  }
});
