// NAT44 flow table: endpoint-independent mapping, reverse lookup, port exhaustion, expiry and
// port reuse order, hash deletes that keep other flows findable.
import test from 'node:test';
import assert from 'node:assert/strict';
import { NAT_TCP, NAT_UDP, NatTable } from '../../../src/apps/nf/nat-table.js';

test('NatTable: a flow keeps its port, the reverse lookup finds it, ports run out and come back', () => {
  const t = new NatTable({ maxFlows: 1000, portLo: 1024, portHi: 1033, timeoutMs: [1000, 100, 50] });
  const ids: number[] = [];
  for (let i = 0; i < 10; i++) ids.push(t.lookupOrCreate(0x0a000001 + i, 5000, NAT_UDP, 0));
  assert.deepEqual(ids.map((id) => t.extPort[id]), [1024, 1025, 1026, 1027, 1028, 1029, 1030, 1031, 1032, 1033]);
  assert.equal(t.lookupOrCreate(0x0a0000ff, 5000, NAT_UDP, 0), -1, 'UDP ports exhausted');
  assert.ok(t.lookupOrCreate(0x0a0000ff, 5000, NAT_TCP, 0) >= 0, 'TCP has its own ports');
  assert.equal(t.lookupOrCreate(0x0a000003, 5000, NAT_UDP, 10), ids[2], 'same endpoint, same flow');
  assert.equal(t.findIn(1026, NAT_UDP), ids[2]);
  assert.equal(t.findIn(1026, NAT_TCP), -1);
  // At t=150 the UDP flows (timeout 100) idle since 0 expire; the one refreshed at 10 too (140 > 100).
  let removed = 0;
  for (let k = 0; k < 10; k++) removed += t.expire(150, 200);
  assert.equal(removed, 10);
  assert.equal(t.active, 1);
  assert.equal(t.findIn(1024, NAT_UDP), -1);
  const again = t.lookupOrCreate(0x0a000001, 5000, NAT_UDP, 200);
  assert.equal(t.extPort[again], 1024, 'least recently freed first');
});

test('NatTable: thousands of flows with deletes stay consistent', () => {
  const t = new NatTable({ maxFlows: 4096, portLo: 1024, portHi: 65535, timeoutMs: [1e9, 1e9, 1e9] });
  const live = new Map<number, number>();
  let s = 1;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 20000; i++) {
    const ip = 0x0a000000 | (r() % 3000);
    if (r() % 3 === 0 && live.has(ip)) {
      t.remove(live.get(ip)!);
      live.delete(ip);
    } else {
      const id = t.lookupOrCreate(ip, 80, NAT_TCP, i);
      if (live.has(ip)) assert.equal(id, live.get(ip));
      live.set(ip, id);
    }
  }
  assert.equal(t.active, live.size);
  for (const [ip, id] of live) {
    assert.equal(t.findOut(ip, 80, NAT_TCP), id);
    assert.equal(t.findIn(t.extPort[id]!, NAT_TCP), id);
  }
});
