// af_xdp ports on a veth pair inside a namespace: frames a python3 raw socket sends on one end
// arrive byte-identical through the XDP sockets on the other (one queue, and two queues on a
// two-queue veth), frames the port sends are seen by the kernel side, the pool audit is exact, the
// info says which XDP mode was used and why, and the program is gone after close.
import test from 'node:test';
import assert from 'node:assert/strict';
import { hex, kernelToPort, portToKernel, receivedHex, udpFrame, withLab } from './lab.js';

test('af_xdp: kernel -> port byte-identical, port -> kernel seen, mode reported, program removed (1 queue)', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { a, b } = lab.veth(ns, ns);
  const ag = lab.agent(ns, { spec: `af_xdp:${b}` });
  const ready = await ag.next();
  assert.equal(ready.info.mac, lab.exec(ns, 'cat', [`/sys/class/net/${b}/address`]).trim());
  assert.equal(ready.kernel.mode, 'native copy', 'veth: native XDP, no zero-copy');
  assert.match(ready.kernel.notes.join(' '), /copy mode/);
  assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /prog\/xdp id \d+/, 'XDP program attached while open');

  const frames = Array.from({ length: 300 }, (_, i) => udpFrame(i, 0));
  const got = await kernelToPort(lab, ag, ns, a, frames);
  assert.deepEqual(receivedHex(got), frames.map(hex), 'every frame, in order, byte-identical');
  assert.equal(got.stats.ipackets, frames.length + got.other);

  const out = Array.from({ length: 100 }, (_, i) => udpFrame(1000 + i, 1));
  await portToKernel(ag, ns, a, out); // accepted, counted, and seen by the kernel side in order

  const closed = await ag.cmd({ cmd: 'close' });
  assert.deepEqual(closed.audit, { missing: 0, duplicates: 0 }, 'every buffer the kernel held came back');
  assert.doesNotMatch(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /xdp/, 'no XDP program after close');
}));

test('af_xdp: two queues on a two-queue veth receive every frame byte-identical', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { a, b } = lab.veth(ns, ns, 2);
  const ag = lab.agent(ns, { spec: `af_xdp:${b}`, queues: 2 });
  await ag.next();
  const frames = Array.from({ length: 400 }, (_, i) => udpFrame(i, i % 16));
  const got = await kernelToPort(lab, ag, ns, a, frames);
  assert.deepEqual(receivedHex(got, true), frames.map(hex).sort(), 'byte-identical, none lost');
  const perQ = [0, 1].map((q) => got.frames.filter((f: [number, string]) => f[0] === q).length);
  assert.ok(perQ[0]! > 0 && perQ[1]! > 0, `both queues receive (${perQ})`);
  assert.deepEqual((await ag.cmd({ cmd: 'close' })).audit, { missing: 0, duplicates: 0 });
}));

test('af_xdp: mode=skb (generic XDP) with busy polling receives byte-identical and says so', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { a, b } = lab.veth(ns, ns);
  const ag = lab.agent(ns, { spec: `af_xdp:${b},mode=skb,busy_poll=20` });
  const ready = await ag.next();
  assert.equal(ready.kernel.mode, 'skb copy');
  assert.match(ready.kernel.notes.join(' '), /skb mode always copies/);
  assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /xdpgeneric/, 'attached in generic mode');
  const frames = Array.from({ length: 100 }, (_, i) => udpFrame(i, 3));
  const got = await kernelToPort(lab, ag, ns, a, frames);
  assert.deepEqual(receivedHex(got), frames.map(hex));
  assert.deepEqual((await ag.cmd({ cmd: 'close' })).audit, { missing: 0, duplicates: 0 });
}));

test('af_xdp: errors name the fix (queue out of range, zero-copy on veth, program already attached)', (t) => withLab(t, async (lab) => {
  const ns = lab.netns();
  const { b } = lab.veth(ns, ns);
  await assert.rejects(lab.agent(ns, { spec: `af_xdp:${b},queue=3` }).next(), (e: Error) => /has 1 RX queue/.test(e.message) && /numrxqueues/.test(e.message));
  await assert.rejects(lab.agent(ns, { spec: `af_xdp:${b},zerocopy=on` }).next(), (e: Error & { code?: string }) =>
    e.code === 'ERR_RINGWAY_UNSUPPORTED' && /no AF_XDP zero-copy/.test(e.message) && /zerocopy=auto/.test(e.message));
  const first = lab.agent(ns, { spec: `af_xdp:${b}` });
  await first.next();
  await assert.rejects(lab.agent(ns, { spec: `af_xdp:${b}` }).next(), (e: Error) => /already has an (XDP program|XDP socket)/.test(e.message));
  await first.cmd({ cmd: 'close' });
  assert.doesNotMatch(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /xdp/);
}));
