// Punt: packets handed to a piscina pool running a task module; replies come back on the output.
// Completions reach the engine through the shared completion ring even while it never yields;
// a full in-flight window drops as 'backpressure'; every buffer is back after stop.
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter, Punt, Split, puntTasks } from '../../src/apps/index.js';
import { requireTool } from '../lib/skip.js';
import type { AppContext } from '../../src/pipeline/app.js';
import type { ConfigOf } from '../../src/pipeline/schema.js';
import { ConfigError } from '../../src/pipeline/schema.js';
import { Collect, Config, Gen, eth, feeds, hex, seen, start, type Run } from './lib.js';

const TASK = fileURLToPath(new URL('./punt-tasks/echo.js', import.meta.url));
const A = '02:00:00:00:00:0a', B = '02:00:00:00:00:0b';

/** Punt that tests can reach (the engine does not hand out its apps). */
const punts = new Map<string, Punt>();
class TestPunt extends Punt {
  constructor(ctx: AppContext, config: ConfigOf<typeof Punt.schema>) {
    super(ctx, config);
    punts.set(ctx.name, this);
  }
}

const arp = (i: number, delayMs = 0) => eth(A, B, 0x0806, [delayMs, i & 0xff, i >> 8, ...new Array(25).fill(7)]);
const swapped = (f: Uint8Array) => hex(Uint8Array.from([...f.subarray(6, 12), ...f.subarray(0, 6), ...f.subarray(12)]));

function graph(cfg: Record<string, unknown>, frames: Uint8Array[], burst = 8): { r: Run; punt: Punt } {
  feeds.set('g', frames);
  const r = start(new Config().app('g', Gen, { burst }).app('punt', TestPunt, { task: TASK, ...cfg } as never).app('c', Collect)
    .link('g.out -> punt.in').link('punt.out -> c.in'));
  return { r, punt: punts.get('punt')! };
}

/** Runs the engine in 5 ms slices, yielding between them, until done() or the deadline. */
async function runUntil(r: Run, done: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    r.engine.run({ durationMs: 5 });
    await yieldLoop();
  }
}

test('Punt: ARP goes to the task and its replies come back on the output; other frames get none; task errors counted', async () => {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 300; i++) frames.push(i % 6 === 5 ? eth(A, B, 0xdead) : i % 2 === 0 ? arp(i) : eth(A, B, 0x0800, [i & 0xff]));
  const { r, punt } = graph({ slots: 512 }, frames);
  await punt.ready();
  const replies = frames.filter((f) => f[12] === 0x08 && f[13] === 0x06);
  await runUntil(r, () => seen.get('c')!.get('in')!.length >= replies.length && punt.pending() === 0 && r.engine.inFlight() === 0);
  assert.deepEqual(seen.get('c')!.get('in'), replies.map(swapped), 'one reply per ARP frame, in order (one worker)');
  const s = r.finish();
  const errors = frames.filter((f) => f[12] === 0xde).length;
  assert.deepEqual(s.apps['punt'], {
    in: 300 + replies.length, out: 300 + replies.length, dropped: 0,
    drops: { unconnected: 0, backpressure: 0, 'too-big': 0, nombuf: 0, 'task-error': errors },
  });
});

test('Punt: completions arrive while the engine busy-polls and never yields to the event loop', async () => {
  const frames = Array.from({ length: 200 }, (_, i) => arp(i));
  const { r, punt } = graph({ slots: 256, threads: 2 }, frames);
  await punt.ready();
  // One synchronous run: piscina's promises cannot resolve in it, the completion ring can.
  r.engine.run({ durationMs: 3000, until: () => seen.get('c')!.get('in')!.length === 200 });
  const got = seen.get('c')!.get('in')!;
  assert.equal(got.length, 200, 'every reply came back inside one synchronous run');
  assert.deepEqual([...got].sort(), frames.map(swapped).sort());
  const s = r.finish();
  assert.equal(s.apps['punt']!.drops['backpressure'], 0, 'the window (256) holds all 200');
  assert.equal(s.apps['punt']!.out, 400);
});

test('Punt under backpressure: a slow task and a full window drop as backpressure, exactly counted; every buffer back', async () => {
  const frames = Array.from({ length: 400 }, (_, i) => arp(i, 2)); // 2 ms per frame in the task
  const { r, punt } = graph({ slots: 8 }, frames, 32);
  await punt.ready();
  await runUntil(r, () => feeds.get('g')!.length > 0 && r.engine.stats().apps['g']!.in === 400 && punt.pending() === 0 && r.engine.inFlight() === 0);
  const s = r.finish();
  const p = s.apps['punt']!;
  const replies = seen.get('c')!.get('in')!.length;
  assert.ok(p.drops['backpressure']! > 300, `most frames find the window full (${p.drops['backpressure']})`);
  assert.equal(replies + p.drops['backpressure']!, 400, 'each frame either punted (and answered) or counted as backpressure');
  assert.equal(p.out, replies * 2, 'out: punted + replies sent');
  assert.equal(p.dropped, p.drops['backpressure']);
});

test('Punt: frames larger than a slot are dropped as too-big; punts before the worker is ready wait, not drop', async () => {
  const frames = [arp(1), eth(A, B, 0x0806, new Array(100).fill(0)), arp(2)];
  const { r, punt } = graph({ slotSize: 64 }, frames);
  // No ready(): the first frames wait inside piscina until a turn of the event loop marks the
  // worker ready (runUntil yields between slices), then they are answered like the others.
  await runUntil(r, () => seen.get('c')!.get('in')!.length >= 2 && punt.pending() === 0);
  const s = r.finish();
  assert.deepEqual(seen.get('c')!.get('in'), [swapped(frames[0]!), swapped(frames[2]!)]);
  assert.equal(s.apps['punt']!.drops['too-big'], 1);
});

test('Punt: bad configurations name the app and the field', () => {
  assert.throws(() => new Config().app('slow', Punt, {} as never), (e: Error) => e instanceof ConfigError && /app 'slow' \(Punt\): field 'task' is required/.test(e.message));
  assert.throws(() => new Config().app('slow', Punt, { task: TASK, slots: 0 }), /app 'slow' \(Punt\): field 'slots': 0 is not an integer 1\.\.65536/);
  assert.throws(() => new Config().app('slow', Punt, { task: TASK, slotSize: 10 }), /app 'slow' \(Punt\): field 'slotSize': 10 is not an integer 64\.\.65535/);
});

test('Punt: a task module without a function export fails ready() with the fix; stop still leaves the pool whole', async () => {
  const none = fileURLToPath(new URL('./punt-tasks/none.js', import.meta.url));
  feeds.set('g', []);
  const r = start(new Config().app('g', Gen).app('bad', TestPunt, { task: none }).link('g.out -> bad.in'));
  await assert.rejects(punts.get('bad')!.ready(), /punt task .*none\.js: export a function as default \(or as 'punt'\)/);
  r.finish();
});

test('ARP for the host: Split sends ARP to Punt(arpResponder); tshark decodes the replies field by field', async (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-arp-'));
  try {
    const file = join(dir, 'replies.pcap');
    const req = (tpa: number[], tag = false, asker = 9) => eth('ff:ff:ff:ff:ff:ff', `02:00:00:00:00:0${asker}`, 0x0806,
      [0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, asker, 10, 0, 0, asker, 0, 0, 0, 0, 0, 0, ...tpa], tag ? [[0x8100, 42]] : []);
    const frames = [req([10, 0, 0, 1]), eth(A, B, 0x0800, [1, 2, 3]), req([10, 0, 0, 77]), req([10, 0, 0, 2], true, 8), req([10, 0, 0, 1]).subarray(0, 30)];
    feeds.set('g', frames);
    const r = start(new Config()
      .app('g', Gen).app('s', Split, { by: 'ethertype', map: { '0x0806': 'arp' } })
      .app('arp', TestPunt, { task: puntTasks.arpResponder, data: { hosts: [{ ip: '10.0.0.1', mac: '02:aa:00:00:00:01' }, { ip: '10.0.0.2', mac: '02:aa:00:00:00:02' }] } })
      .app('cap', PcapWriter, { file })
      .link('g.out -> s.in').link('s.arp -> arp.in').link('arp.out -> cap.in'));
    await punts.get('arp')!.ready();
    await runUntil(r, () => r.engine.stats().apps['cap']!.out >= 2 && punts.get('arp')!.pending() === 0);
    const s = r.finish();
    // The cut request has a whole Ethernet header, so Split sends it on; the task sees it is short.
    assert.equal(s.apps['arp']!.out, 4 + 2, '4 punted, 2 answered (not for us: 10.0.0.77; truncated)');
    assert.equal(s.apps['arp']!.drops['task-error'], 0);
    const lines = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'eth.dst', '-e', 'eth.src', '-e', 'vlan.id', '-e', 'arp.opcode',
      '-e', 'arp.src.hw_mac', '-e', 'arp.src.proto_ipv4', '-e', 'arp.dst.hw_mac', '-e', 'arp.dst.proto_ipv4'], { encoding: 'utf8', env: { ...process.env, HOME: dir } }).trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split('\t')), [
      ['02:00:00:00:00:09', '02:aa:00:00:00:01', '', '2', '02:aa:00:00:00:01', '10.0.0.1', '02:00:00:00:00:09', '10.0.0.9'],
      ['02:00:00:00:00:08', '02:aa:00:00:00:02', '42', '2', '02:aa:00:00:00:02', '10.0.0.2', '02:00:00:00:00:08', '10.0.0.8'],
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('arpResponder: bad data fails ready() with what to write', async () => {
  feeds.set('g', []);
  const r = start(new Config().app('g', Gen).app('arp2', TestPunt, { task: puntTasks.arpResponder, data: { hosts: [{ ip: '10.0.0.300', mac: '02:00:00:00:00:01' }] } }).link('g.out -> arp2.in'));
  await assert.rejects(punts.get('arp2')!.ready(), /arp-responder: hosts\[0\]\.ip "10\.0\.0\.300" is not an IPv4 address such as "10\.0\.0\.1"/);
  r.finish();
});
