// Every port fills the input port (low 16 bits of the receiving port's id) and queue of what it
// receives, and resets the packet type and hash (0: not classified, no RSS hash). Before each RX
// every buffer of the pool carries junk metadata, so a port that leaves it alone fails.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import * as buf from '../../src/packet/buffer.js';
import { buildInto } from '../../src/packet/build.js';

/** Allocates every free buffer, scribbles its metadata, frees it again. */
function dirty(v: PoolView, total: number): void {
  const hs = new Uint32Array(total);
  const n = v.allocBurst(hs, total);
  for (let i = 0; i < n; i++) {
    buf.setPort(v, hs[i]!, 0xbeef); buf.setQueue(v, hs[i]!, 0xcafe); buf.setPacketType(v, hs[i]!, 0xdeadbeef); buf.setHash(v, hs[i]!, 0x12345678);
  }
  v.freeBurst(hs, n);
  v.flush(); // back to the shared ring, where native ports (their own caches) allocate from
}

function checkMeta(v: PoolView, hs: Uint32Array, n: number, port: Port, q: number): void {
  assert.ok(n > 0);
  for (let i = 0; i < n; i++) {
    const h = hs[i]!;
    assert.equal(buf.port(v, h), buf.portTag(port.id), `packet ${i}: input port`);
    assert.equal(buf.queue(v, h), q, `packet ${i}: input queue`);
    assert.equal(buf.packetType(v, h), 0, `packet ${i}: packet type unknown`);
    assert.equal(buf.hash(v, h), 0, `packet ${i}: no hash`);
  }
}

test('null port RX fills input port and queue (per queue, per port)', () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const a = Port.open('null:size=64', { pool, queues: 3 });
  const b = Port.open('null:size=64', { pool });
  const v = a.pool;
  const hs = new Uint32Array(32);
  for (const [port, q] of [[a, 2], [a, 0], [b, 0]] as const) {
    dirty(v, 256);
    const n = port.rxBurst(q, hs);
    checkMeta(v, hs, n, port, q);
    port.txBurst(q, hs, n);
  }
  assert.notEqual(buf.portTag(a.id), buf.portTag(b.id));
  a.close(); b.close();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('ring port RX fills the receiving end\'s port and queue, not the sender\'s', () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const a = Port.open('ring:meta-test', { pool, queues: 2 });
  const b = Port.open('ring:meta-test', { pool, queues: 2 });
  const v = a.pool;
  const hs = new Uint32Array(16);
  dirty(v, 256);
  assert.equal(v.allocBurst(hs, 16), 16);
  for (const h of hs) { buildInto(v, h, { ipv4: {}, udp: {} }); buf.setPort(v, h, buf.portTag(a.id)); buf.setQueue(v, h, 7); buf.setPacketType(v, h, 0x111); }
  assert.equal(a.txBurst(1, hs, 16), 16);
  const got = new Uint32Array(16);
  const n = b.rxBurst(1, got);
  assert.equal(n, 16);
  checkMeta(v, got, n, b, 1);
  v.freeBurst(got, n);
  a.close(); b.close();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('pcap port RX (Rust) fills input port and queue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-meta-'));
  // room for two native RX caches (each refills a cache's worth, 256 + burst, from the ring)
  const pool = Pool.create({ buffers: 2048, hugepages: 'never' });
  const v = PoolView.forThread(pool.id); // held across the ports' open/close
  try {
    const file = join(dir, 'in.pcap');
    const w = Port.open(`pcap:tx=${file}`, { pool });
    const hs = new Uint32Array(20);
    assert.equal(v.allocBurst(hs, 20), 20);
    hs.forEach((h, i) => buildInto(v, h, { ipv4: { id: i }, udp: {}, payload: i }));
    assert.equal(w.txBurst(0, hs, 20), 20);
    w.close();
    dirty(v, 2048);
    const r1 = Port.open(`pcap:rx=${file}`, { pool });
    const r2 = Port.open(`pcap:rx=${file}`, { pool });
    for (const r of [r1, r2]) {
      const got = new Uint32Array(32);
      const n = r.rxBurst(0, got);
      assert.equal(n, 20, JSON.stringify({ stats: r.stats().queues[0], pool: pool.stats() }));
      checkMeta(v, got, n, r, 0);
      v.freeBurst(got, n);
    }
    assert.notEqual(buf.portTag(r1.id), buf.portTag(r2.id));
    r1.close(); r2.close();
    PoolView.releaseThreadView(pool.id);
    assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  } finally {
    pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
