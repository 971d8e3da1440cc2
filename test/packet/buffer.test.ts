// Buffer operations (prepend/adj/append/trim/move/clone) and metadata accessors on pool buffers.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/memory/pool.js';
import * as buf from '../../src/packet/buffer.js';
import { buildInto, buildFrame } from '../../src/packet/build.js';
import { Parsed } from '../../src/packet/parse.js';
import { Result } from '../../src/packet/constants.js';
import * as vlan from '../../src/packet/headers/vlan.js';
import { META_SIZE } from '../../src/memory/layout.js';

test('prepend/adj/append/trim stay inside the buffer and refuse what does not fit', () => {
  const pool = Pool.create({ buffers: 8, hugepages: 'never', headroom: 128 });
  const v = pool.view();
  const hs = new Uint32Array(2);
  assert.equal(v.allocBurst(hs, 2), 2);
  const h = hs[0]!;
  const n = buildInto(v, h, { ipv4: {}, udp: {}, payload: 10 });
  const start = v.dataOffset(h);
  assert.equal(buf.headroom(v, h), 128);
  assert.equal(buf.tailroom(v, h), v.dataRoom - n);
  // prepend 8 (e.g. an outer header): the data starts 8 earlier, 8 longer
  assert.equal(buf.prepend(v, h, 8), start - 8);
  assert.equal(v.dataLen(h), n + 8);
  assert.equal(buf.headroom(v, h), 120);
  assert.equal(buf.prepend(v, h, 121), -1, 'more than the headroom');
  assert.equal(v.dataLen(h), n + 8, 'unchanged after a refusal');
  assert.equal(buf.adj(v, h, 8), start);
  assert.equal(buf.adj(v, h, n + 1), -1, 'more than the packet');
  assert.equal(buf.append(v, h, 4), start + n);
  assert.equal(buf.append(v, h, buf.tailroom(v, h) + 1), -1);
  assert.ok(buf.trim(v, h, 4));
  assert.ok(!buf.trim(v, h, n + 1));
  assert.equal(v.dataLen(h), n);
  assert.equal(buf.adj(v, h, n), start + n);
  assert.equal(v.dataLen(h), 0);
  assert.equal(buf.headroom(v, h), 128 + n);
  assert.equal(buf.prepend(v, h, 128 + n), v.offset(h) + META_SIZE, 'the whole headroom');
  assert.equal(buf.headroom(v, h), 0);
  assert.equal(buf.prepend(v, h, 1), -1);
  v.freeBurst(hs, 2);
  v.close();
  pool.close();
});

test('push and pop a VLAN tag with prepend + move, adj', () => {
  const pool = Pool.create({ buffers: 8, hugepages: 'never' });
  const v = pool.view();
  const hs = new Uint32Array(1);
  v.allocBurst(hs, 1);
  const h = hs[0]!;
  const plain = buildFrame({ ipv4: {}, udp: { sport: 5, dport: 6 }, payload: 3 });
  buildInto(v, h, { ipv4: {}, udp: { sport: 5, dport: 6 }, payload: 3 });
  const p = new Parsed();
  const at = buf.prepend(v, h, 4);
  assert.ok(at >= 0);
  assert.ok(buf.move(v, h, 4, 12, -4), 'MACs to the new front');
  assert.ok(!buf.move(v, h, 4, 12, -5), 'out of the packet');
  p.attach(v, h);
  assert.ok(vlan.setTci(p, p.start + 12, vlan.makeTci(100, 5)));
  v.dv.setUint16(p.start + 12, 0x8100);
  assert.equal(p.parse(v, h), Result.OK);
  assert.equal(p.vlans, 1);
  assert.equal(vlan.vid(p, p.start + 12), 100);
  assert.equal(p.dstPort, 6);
  // pop it again: the frame is byte for byte the untagged one
  assert.ok(buf.move(v, h, 0, 12, 4));
  assert.ok(buf.adj(v, h, 4) >= 0);
  const o = v.dataOffset(h);
  assert.deepEqual(v.u8.slice(o, o + v.dataLen(h)), plain);
  v.freeBurst(hs, 1);
  v.close();
  pool.close();
});

test('clone copies data and metadata into a new buffer; -1 when the pool is empty', () => {
  const pool = Pool.create({ buffers: 4, hugepages: 'never', cacheSize: 0 });
  const v = pool.view();
  const hs = new Uint32Array(4);
  assert.equal(v.allocBurst(hs, 3), 3);
  const h = hs[0]!;
  const n = buildInto(v, h, { ipv6: {}, tcp: {}, payload: 33 });
  buf.adj(v, h, 2); // an unusual data offset survives too
  buf.setPort(v, h, 3); buf.setQueue(v, h, 9); buf.setHash(v, h, 0xabcdef01); buf.setPacketType(v, h, 0x241);
  const c = buf.clone(v, h);
  assert.ok(c >= 0 && c !== h);
  assert.equal(v.dataLen(c), n - 2);
  const a = v.dataOffset(h), b = v.dataOffset(c);
  assert.deepEqual(v.u8.slice(b, b + n - 2), v.u8.slice(a, a + n - 2));
  assert.deepEqual([buf.port(v, c), buf.queue(v, c), buf.hash(v, c), buf.packetType(v, c)], [3, 9, 0xabcdef01, 0x241]);
  // writing the clone leaves the original alone
  v.u8[b] = v.u8[b]! ^ 0xff;
  assert.notEqual(v.u8[a], v.u8[b]);
  assert.equal(buf.clone(v, h), -1, 'the pool is empty now');
  hs[3] = c;
  v.freeBurst(hs, 4);
  v.close();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});
