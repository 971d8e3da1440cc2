// af_packet ports on a veth pair inside a namespace: frames a python3 raw socket sends on one end
// arrive byte-identical through the port on the other end (one queue, and two queues with
// PACKET_FANOUT), frames the port sends are seen by the kernel side, counters and the pool audit
// add up, and the errors for a missing interface and a too-large MTU name the fix.
import test from 'node:test';
import assert from 'node:assert/strict';
import { hex, kernelToPort, portToKernel, receivedHex, udpFrame, withLab } from './lab.js';

test('af_packet: kernel -> port byte-identical, port -> kernel seen, counters, audit (1 queue)', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { a, b } = lab.veth(ns, ns);
  const ag = lab.agent(ns, { spec: `af_packet:${b}` });
  const ready = await ag.next();
  const mac = lab.exec(ns, 'cat', [`/sys/class/net/${b}/address`]).trim();
  assert.equal(ready.info.mac, mac, 'MAC from the kernel');
  assert.equal(ready.info.mtu, 1500);
  assert.equal(ready.info.linkUp, true);
  assert.equal(ready.kernel.ifname, b);
  assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /promiscuity 1/, 'promiscuous while open');

  const frames = Array.from({ length: 300 }, (_, i) => udpFrame(i, 0));
  const got = await kernelToPort(lab, ag, ns, a, frames);
  assert.deepEqual(receivedHex(got), frames.map(hex), 'every frame, in order, byte-identical');
  assert.equal(got.stats.ipackets, frames.length + got.other);
  assert.equal(got.stats.ibytes >= frames.reduce((s, f) => s + f.length, 0), true);

  const out = Array.from({ length: 100 }, (_, i) => udpFrame(1000 + i, 1));
  const sent = await portToKernel(ag, ns, a, out);
  assert.equal(sent.stats.obytes, out.reduce((s, f) => s + f.length, 0));

  const closed = await ag.cmd({ cmd: 'close' });
  assert.deepEqual(closed.audit, { missing: 0, duplicates: 0 });
  assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /promiscuity 0/, 'promiscuous mode undone at close');
}));

test('af_packet: two queues with PACKET_FANOUT spread flows and lose nothing', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { a, b } = lab.veth(ns, ns);
  const ag = lab.agent(ns, { spec: `af_packet:${b}`, queues: 2 });
  const ready = await ag.next();
  assert.match(ready.kernel.notes.join(' '), /FANOUT/);
  const frames = Array.from({ length: 400 }, (_, i) => udpFrame(i, i % 16));
  const got = await kernelToPort(lab, ag, ns, a, frames);
  assert.equal(got.frames.length, frames.length);
  assert.deepEqual(receivedHex(got, true), frames.map(hex).sort(), 'byte-identical, none lost');
  const perQ = [0, 1].map((q) => got.frames.filter((f: [number, string]) => f[0] === q).length);
  assert.ok(perQ[0]! > 0 && perQ[1]! > 0, `both queues receive (${perQ})`);
  // a flow stays on one queue, in order
  for (let flow = 0; flow < 16; flow++) {
    const mine = got.frames.filter((f: [number, string]) => parseInt(f[1].slice(68, 72), 16) === 10000 + flow);
    assert.equal(new Set(mine.map((f: [number, string]) => f[0])).size, 1, `flow ${flow} on one queue`);
  }
  assert.equal(got.stats.queues[0].ipackets + got.stats.queues[1].ipackets, got.stats.ipackets);
  assert.deepEqual((await ag.cmd({ cmd: 'close' })).audit, { missing: 0, duplicates: 0 });
}));

test('af_packet: a missing interface and an MTU larger than the buffers are clear errors', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { b } = lab.veth(ns, ns);
  const missing = lab.agent(ns, { spec: 'af_packet:rwnope0' });
  await assert.rejects(missing.next(), (e: Error & { code?: string }) =>
    e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && /no network interface 'rwnope0'/.test(e.message) && /ip link/.test(e.message));
  lab.exec(ns, 'ip', ['link', 'set', b, 'mtu', '9000']);
  const big = lab.agent(ns, { spec: `af_packet:${b}` });
  await assert.rejects(big.next(), (e: Error) => /MTU 9000/.test(e.message) && /dataRoom/.test(e.message) && new RegExp(`ip link set ${b} mtu`).test(e.message));
}));
