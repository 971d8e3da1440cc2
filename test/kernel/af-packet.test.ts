// af_packet ports on a veth pair inside a namespace: frames a python3 raw socket sends on one end
// arrive byte-identical through the port on the other end (one queue, and two queues with
// PACKET_FANOUT), frames the port sends are seen by the kernel side, counters and the pool audit
// add up, and the errors for a missing interface and a too-large MTU name the fix.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labAvailable, pyCapture, pySend, udpFrame } from './lab.js';

const hex = (b: Buffer) => b.toString('hex');

test('af_packet: kernel -> port byte-identical, port -> kernel seen, counters, audit (1 queue)', async (t) => {
  if (!labAvailable(t)) return;
  const lab = new Lab();
  try {
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
    const rxp = ag.cmd({ cmd: 'rx', count: frames.length, timeoutMs: 8000 });
    await new Promise((r) => setTimeout(r, 200));
    pySend(lab, ns, a, frames);
    const got = await rxp;
    assert.equal(got.badMeta, 0, 'META_PORT and META_QUEUE name this port and the queue');
    assert.deepEqual(got.frames.map((f: [number, string]) => f[1]), frames.map(hex), 'every frame, in order, byte-identical');
    assert.equal(got.stats.ipackets, frames.length + got.other);
    assert.equal(got.stats.ibytes >= frames.reduce((s, f) => s + f.length, 0), true);

    const out = Array.from({ length: 100 }, (_, i) => udpFrame(1000 + i, 1));
    const cap = pyCapture(ns, a, 3000);
    await cap.ready;
    const sent = await ag.cmd({ cmd: 'tx', frames: out.map(hex) });
    assert.equal(sent.sent, out.length);
    assert.equal(sent.stats.opackets, out.length);
    assert.equal(sent.stats.obytes, out.reduce((s, f) => s + f.length, 0));
    assert.deepEqual(await cap.frames, out.map(hex), 'the kernel side sees what the port sent');

    const closed = await ag.cmd({ cmd: 'close' });
    assert.deepEqual(closed.audit, { missing: 0, duplicates: 0 });
    assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /promiscuity 0/, 'promiscuous mode undone at close');
  } finally {
    lab.destroy();
  }
});

test('af_packet: two queues with PACKET_FANOUT spread flows and lose nothing', async (t) => {
  if (!labAvailable(t)) return;
  const lab = new Lab();
  try {
    const ns = lab.netns();
    const { a, b } = lab.veth(ns, ns);
    const ag = lab.agent(ns, { spec: `af_packet:${b}`, queues: 2 });
    const ready = await ag.next();
    assert.match(ready.kernel.notes.join(' '), /FANOUT/);
    const frames = Array.from({ length: 400 }, (_, i) => udpFrame(i, i % 16));
    const rxp = ag.cmd({ cmd: 'rx', count: frames.length, timeoutMs: 8000 });
    await new Promise((r) => setTimeout(r, 200));
    pySend(lab, ns, a, frames);
    const got = await rxp;
    assert.equal(got.badMeta, 0, 'META_PORT and META_QUEUE name this port and the queue');
    assert.equal(got.frames.length, frames.length);
    assert.deepEqual(got.frames.map((f: [number, string]) => f[1]).sort(), frames.map(hex).sort(), 'byte-identical, none lost');
    const perQ = [0, 1].map((q) => got.frames.filter((f: [number, string]) => f[0] === q).length);
    assert.ok(perQ[0]! > 0 && perQ[1]! > 0, `both queues receive (${perQ})`);
    // a flow stays on one queue, in order
    for (let flow = 0; flow < 16; flow++) {
      const mine = got.frames.filter((f: [number, string]) => parseInt(f[1].slice(68, 72), 16) === 10000 + flow);
      assert.equal(new Set(mine.map((f: [number, string]) => f[0])).size, 1, `flow ${flow} on one queue`);
    }
    assert.equal(got.stats.queues[0].ipackets + got.stats.queues[1].ipackets, got.stats.ipackets);
    assert.deepEqual((await ag.cmd({ cmd: 'close' })).audit, { missing: 0, duplicates: 0 });
  } finally {
    lab.destroy();
  }
});

test('af_packet: a missing interface and an MTU larger than the buffers are clear errors', async (t) => {
  if (!labAvailable(t)) return;
  const lab = new Lab();
  try {
    const ns = lab.netns();
    const { b } = lab.veth(ns, ns);
    const missing = lab.agent(ns, { spec: 'af_packet:rwnope0' });
    await assert.rejects(missing.next(), (e: Error & { code?: string }) =>
      e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && /no network interface 'rwnope0'/.test(e.message) && /ip link/.test(e.message));
    lab.exec(ns, 'ip', ['link', 'set', b, 'mtu', '9000']);
    const big = lab.agent(ns, { spec: `af_packet:${b}` });
    await assert.rejects(big.next(), (e: Error) => /MTU 9000/.test(e.message) && /dataRoom/.test(e.message) && new RegExp(`ip link set ${b} mtu`).test(e.message));
  } finally {
    lab.destroy();
  }
});
