// Supervised pipelines on worker threads: one worker per queue, stage pipelines joined by shared
// rings (10 million packets through a 5-app stage, 0 lost), a killed worker restarted with exact
// buffer accounting, and a live reconfiguration that loses nothing on the unchanged path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Supervisor } from '../../src/index.js';
import { cpuList } from '../../src/cli/run.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await sleep(10);
  }
}

test('run to completion: one worker per queue, every queue forwards, every buffer back', async () => {
  const s = await Supervisor.start({ source: { module: fixture('rtc') }, queues: 2 });
  assert.deepEqual(s.workers(), ['q0', 'q1']);
  await until(() => Object.values(s.stats().workers).every((w) => (w.apps.tx?.out ?? 0) > 100_000));
  const r = await s.stop();
  const ports = Object.fromEntries(r.ports.map((p) => [p.spec, p.stats]));
  assert.equal(ports['null:size=64']!.queues.length, 2);
  for (const q of [0, 1]) assert.ok(ports['null:size=60']!.queues[q]!.opackets > 100_000, `queue ${q} sent`);
  assert.equal(r.stats.apps.tx!.out, ports['null:size=60']!.opackets, 'app counters agree with port counters');
  assert.equal(r.stats.apps.rx!.in, ports['null:size=64']!.ipackets);
  assert.equal(r.reclaimed, 0);
  assert.deepEqual({ missing: r.pool.missing, duplicates: r.pool.duplicates }, { missing: 0, duplicates: 0 });
});

test('stage pipeline over shared rings: 10 million packets through a 5-app stage, 0 lost, in order', async () => {
  const N = 10_000_000;
  const s = await Supervisor.start({ source: { module: fixture('stages'), args: { count: N } } });
  assert.deepEqual(s.workers(), ['gen', 'fwd', 'sink']);
  await until(() => (s.stats().apps.check2?.in ?? 0) >= N, 300_000);
  const r = await s.stop();
  const a = r.stats.apps;
  assert.equal(a.gen!.in, N);
  for (const n of ['swap1', 'check1', 'swap2', 'check2']) assert.equal(a[n]!.in, N, `${n} saw every packet`);
  assert.equal(a.check1!.drops.gap, 0, 'in order in the middle stage');
  assert.equal(a.check2!.drops.gap, 0, 'in order at the end');
  for (const [n, x] of Object.entries(a)) assert.equal(x.dropped, 0, `${n} dropped nothing`);
  for (const [n, l] of Object.entries(r.stats.links)) assert.equal(l.full, 0, `link ${n} never full`);
  assert.deepEqual({ missing: r.pool.missing, duplicates: r.pool.duplicates }, { missing: 0, duplicates: 0 });
});

test('a killed worker is restarted; its cache is reclaimed at once and its in-flight buffers by the sweep', async () => {
  const s = await Supervisor.start({ source: { module: fixture('rtc') }, queues: 2, buffers: 8192 });
  await until(() => (s.stats().workers.q0?.apps.tx?.out ?? 0) > 100_000);
  await s.kill('q0'); // worker.terminate() mid-burst
  await s.running('q0');
  assert.equal(s.restarts, 1);
  const before = s.stats().apps.tx!.out;
  await until(() => s.stats().apps.tx!.out > before + 100_000); // the restarted worker forwards
  const r = await s.stop();
  assert.equal(r.stats.restarts, 1);
  assert.ok(r.reclaimed <= 1024 + 32, `at most one link's worth lost in flight (${r.reclaimed})`);
  assert.deepEqual({ missing: r.pool.missing, duplicates: r.pool.duplicates }, { missing: 0, duplicates: 0 });
  assert.equal(r.pool.total, 8192);
});

test('live reconfiguration in a worker: path A keeps every packet in order while path B changes', async () => {
  const s = await Supervisor.start({ source: { module: fixture('paths'), args: { variant: 'direct' } } });
  await until(() => (s.stats().apps.checkA?.in ?? 0) > 50_000);
  await s.configure({ module: fixture('paths'), args: { variant: 'swap' } });
  const mid = s.stats();
  assert.ok(mid.apps.swapB !== undefined, 'path B now has swapB');
  await until(() => (s.stats().apps.swapB?.in ?? 0) > 50_000);
  await s.configure({ module: fixture('paths'), args: { variant: 'direct' } });
  await until(() => (s.stats().apps.checkA?.in ?? 0) > mid.apps.checkA!.in + 100_000);
  const r = await s.stop();
  const a = r.stats.apps;
  assert.equal(a.checkA!.drops.gap, 0, 'no packet of path A lost or reordered across two reconfigurations');
  assert.equal(a.checkA!.in, a.srcA!.in, 'everything path A generated arrived');
  assert.equal(r.stats.restarts, 0);
  assert.deepEqual({ missing: r.pool.missing, duplicates: r.pool.duplicates }, { missing: 0, duplicates: 0 });
});

test('a configuration error in a module is reported before any worker runs', async () => {
  await assert.rejects(Supervisor.start({ source: { module: fixture('nope') } }), /pipeline module .*nope.js: cannot import it/);
  await assert.rejects(Supervisor.start({ source: { module: fixture('check'), export: 'Check' } }), /'Check' is a class; export a function/);
});

test('stop() ends a stage pipeline whose sending stage waits on a full ring', async () => {
  const s = await Supervisor.start({ source: { module: fixture('stages') } }); // no count: gen outruns the rest
  await until(() => (s.stats().apps.check2?.in ?? 0) > 100_000);
  const t0 = Date.now();
  const r = await Promise.race([s.stop(), sleep(60_000).then(() => { throw new Error('stop() hung'); })]);
  assert.ok(Date.now() - t0 < 60_000);
  assert.equal(r.stats.apps.check2!.drops.gap, 0);
  assert.deepEqual({ missing: r.pool.missing, duplicates: r.pool.duplicates }, { missing: 0, duplicates: 0 });
});

test('cpus pins each worker to its CPU (sched_setaffinity), and a CPU the process cannot use is refused by name', async (t) => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const allowedOf = (task: string) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/self/task/${task}/status`, 'utf8'))![1]!;
  const mine = allowedOf(String(process.pid));
  const cpus = cpuList(mine); // the kernel writes the list as taskset and --cpus do
  if (cpus.length < 2) {
    t.skip(`this process may use only CPU ${mine}: pinning cannot be told apart from not pinning`);
    return;
  }
  const last = cpus[cpus.length - 1]!;
  const before = new Set(readdirSync('/proc/self/task'));
  const s = await Supervisor.start({ source: { module: fixture('rtc') }, queues: 2, cpus: [last] });
  try {
    const pinned = readdirSync('/proc/self/task').filter((tid) => !before.has(tid) && allowedOf(tid) === String(last));
    // both workers (queue 0 and 1: cpus[k % 1]) run on `last` only; the main thread is untouched
    assert.ok(pinned.length >= 2, `threads pinned to CPU ${last}: ${pinned.length}`);
    assert.equal(allowedOf(String(process.pid)), mine);
    await until(() => Object.values(s.stats().workers).every((w) => (w.apps.tx?.out ?? 0) > 10_000));
  } finally {
    await s.stop();
  }
  await assert.rejects(Supervisor.start({ source: { module: fixture('rtc') }, cpus: [4000] }), (e: Error & { code?: string }) =>
    e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && /cpus: 4000 not available to this process \(it may use /.test(e.message));
  await assert.rejects(Supervisor.start({ source: { module: fixture('rtc') }, cpus: [] }), /give CPU numbers/);
});
