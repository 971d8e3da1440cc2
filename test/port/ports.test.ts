import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';

type CodedError = Error & { code?: string };
const code = (c: string, re?: RegExp) => (e: CodedError) => e.code === c && (!re || re.test(e.message));

test('port specs: one parser, clear errors naming the spec and the fix', () => {
  const pool = Pool.create({ buffers: 64, hugepages: 'never' });
  const bad: Array<[string, string, RegExp]> = [
    ['nul:size=64', 'ERR_RINGWAY_INVALID_ARGUMENT', /unknown port kind 'nul'.*Examples: null:size=64/],
    ['null:size=2', 'ERR_RINGWAY_INVALID_ARGUMENT', /size '2' must be a number of bytes from 14 to 9000/],
    ['null', 'ERR_RINGWAY_INVALID_ARGUMENT', /missing ':'/],
    ['pcap:loop=1', 'ERR_RINGWAY_INVALID_ARGUMENT', /needs rx=FILE, tx=FILE or both/],
    ['ring:has space', 'ERR_RINGWAY_INVALID_ARGUMENT', /name of 1-64 letters/],
    ['virtio:0000:00:1g.0', 'ERR_RINGWAY_INVALID_ARGUMENT', /bad PCI address '0000:00:1g.0': expected DDDD:BB:DD.F/],
    ['af_xdp:rwnone0', 'ERR_RINGWAY_INVALID_ARGUMENT', /no network interface 'rwnone0'.*ip link/],
    ['af_packet:a/b', 'ERR_RINGWAY_INVALID_ARGUMENT', /bad interface name 'a\/b'/],
    ['af_xdp:eth0,mode=turbo', 'ERR_RINGWAY_INVALID_ARGUMENT', /mode=auto\|native\|skb/],
    ['pcap:rx=/nonexistent/in.pcap', 'ERR_RINGWAY_IO', /nonexistent\/in.pcap/],
  ];
  for (const [spec, c, re] of bad) assert.throws(() => Port.open(spec, { pool }), code(c, re), spec);
  assert.throws(() => Port.open('null:size=64', { pool, queues: 0 }), code('ERR_RINGWAY_INVALID_ARGUMENT', /1 to 64/));
  assert.throws(() => Port.open('null:size=64', { pool: 99999 }), code('ERR_RINGWAY_CLOSED'));
  pool.close();
});

test('null port: RX gives packets of the set size, TX frees them; stats, info, close', () => {
  const pool = Pool.create({ buffers: 256, hugepages: 'never' });
  const p = Port.open('null:size=128,mac=02:aa:bb:cc:dd:ee', { pool, queues: 2 });
  const info = p.info();
  assert.deepEqual(info, { driver: 'null', mac: '02:aa:bb:cc:dd:ee', linkUp: true, speedMbps: 0, rxQueues: 2, txQueues: 2, mtu: 1500 });
  const hs = new Uint32Array(32);
  assert.equal(p.rxBurst(1, hs), 32);
  for (const h of hs) assert.equal(p.pool.dataLen(h), 128);
  assert.equal(p.txBurst(1, hs, 32), 32);
  assert.equal(p.rxBurst(5, hs), 0, 'a queue that does not exist receives nothing, never throws');
  // exhaust the pool: RX returns fewer and counts rx_nombuf
  const held = new Uint32Array(300);
  const got = p.rxBurst(0, held, 300);
  assert.equal(got, 256);
  assert.equal(p.rxBurst(0, hs), 0, 'empty pool: empty RX');
  const s = p.stats();
  assert.equal(s.ipackets, 32 + 256);
  assert.equal(s.ibytes, 128 * (32 + 256));
  assert.equal(s.opackets, 32);
  assert.equal(s.obytes, 32 * 128);
  assert.equal(s.rxNombuf, 44 + 32);
  assert.equal(s.queues[1]!.ipackets, 32);
  p.txBurst(0, held, got);
  p.close();
  assert.throws(() => p.rxBurst(0, hs), code('ERR_RINGWAY_CLOSED', /null:size=128/), 'use after close is a clear error');
  assert.throws(() => p.stats(), code('ERR_RINGWAY_CLOSED'));
  PoolView.closeThreadViews();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('ring port pair: what one end sends the other receives; partial TX; empty RX; third end refused', () => {
  const pool = Pool.create({ buffers: 4096, hugepages: 'never' });
  const a = Port.open('ring:t1', { pool });
  const b = Port.open('ring:t1', { pool });
  assert.throws(() => Port.open('ring:t1', { pool }), code('ERR_RINGWAY_DEVICE_BUSY', /both ends open/));
  assert.notEqual(a.info().mac, b.info().mac);
  const hs = new Uint32Array(1500);
  const v = a.pool;
  assert.equal(v.allocBurst(hs, 1500), 1500);
  for (let i = 0; i < 1500; i++) { v.reset(hs[i]!); v.setDataLen(hs[i]!, 60); }
  const sent = a.txBurst(0, hs, 1500);
  assert.equal(sent, 1024, 'ring holds 1024: the rest are not accepted');
  const out = new Uint32Array(2000);
  assert.equal(b.rxBurst(0, out, 10), 10);
  assert.deepEqual([...out.subarray(0, 10)], [...hs.subarray(0, 10)], 'same handles, same order');
  assert.equal(b.rxBurst(0, out.subarray(10)), 1014);
  assert.equal(b.rxBurst(0, out), 0, 'empty RX');
  assert.equal(a.stats().opackets, 1024);
  assert.equal(a.stats().obytes, 1024 * 60);
  assert.equal(b.stats().ipackets, 1024);
  // reverse direction, then leave some in flight: closing must return them to the pool
  assert.equal(b.txBurst(0, out, 1024), 1024);
  v.freeBurst(hs, 1500 - 1024, 1024);
  a.close();
  b.close();
  PoolView.closeThreadViews();
  const s = pool.stats();
  assert.equal(s.ringFree, 4096, 'every buffer back, including the 1024 left in the ring');
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});

test('ring port ends must agree on queues and pool', () => {
  const pool = Pool.create({ buffers: 64, hugepages: 'never' });
  const a = Port.open('ring:t2', { pool, queues: 2 });
  assert.throws(() => Port.open('ring:t2', { pool, queues: 1 }), code('ERR_RINGWAY_INVALID_ARGUMENT', /same queue count and pool/));
  a.close();
  pool.close();
});
