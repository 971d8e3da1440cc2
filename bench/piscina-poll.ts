// piscina-poll: a busy-polling worker (the forwarder's macswap pipeline on two null ports, one
// thread) run as a plain worker_thread (ours: what Ringway does) vs as a piscina task (the peer).
// Deliverable 3 asks to measure piscina for busy-polling workers and to write down why we do not
// use it; the numbers for docs/pipelines-apps.md are here, in the JSON context:
//   - Mpps of the same loop in both (a task that never returns runs as fast as a worker: same JS)
//   - time from start to the first forwarded packet, and from the stop flag to "finished"
//   - what piscina does with a second task while the loop runs (it queues: the thread is taken)
//   - what destroy() of a running loop task leaves: the thread is terminated mid-loop, so its
//     ports are not closed and its buffer cache is not returned (missing in the audit until the
//     pool slot is reclaimed by hand), which is what the supervisor must do for a crash anyway.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Piscina } from 'piscina';
import { Pool } from '../src/memory/pool.js';
import { Port } from '../src/port/port.js';
import { runBench, round3 } from './lib/harness.js';

export const description = 'a busy-polling macswap loop as a plain worker_thread vs as a piscina task (Mpps), and what piscina does with it';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const TASK = fileURLToPath(new URL('./lib/poll-task.js', import.meta.url));
const WORKER = new URL('./lib/poll-worker.js', import.meta.url);
const ctx: Record<string, unknown> = {};

function setup() {
  const pool = Pool.create({ buffers: 8192, hugepages: 'never' });
  const a = Port.open('null:size=64', { pool }), b = Port.open('null:size=64', { pool });
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const ctr = new Float64Array(new SharedArrayBuffer(64));
  const slot = new Int32Array(new SharedArrayBuffer(4));
  return { pool, a, b, stop, ctr, slot, job: { a: a.descriptor(), b: b.descriptor(), stop, ctr, slot } };
}

async function sample(ctr: Float64Array, t0: number, kind: string): Promise<number> {
  while (ctr[0] === 0) await sleep(1);
  ctx[`${kind}_first_packet_ms`] = round3(performance.now() - t0);
  await sleep(500);
  const c0 = ctr[0]!, s0 = performance.now();
  await sleep(SECONDS * 1000);
  return (ctr[0]! - c0) / ((performance.now() - s0) * 1000);
}

async function plain(): Promise<number> {
  const s = setup();
  const t0 = performance.now();
  const w = new Worker(WORKER, { workerData: s.job });
  const done = new Promise<void>((res) => w.on('message', (m: { done?: boolean }) => { if (m.done) res(); }));
  const mpps = await sample(s.ctr, t0, 'worker');
  const t1 = performance.now();
  Atomics.store(s.stop, 0, 1);
  await done;
  ctx['worker_stop_ms'] = round3(performance.now() - t1);
  await w.terminate();
  s.a.close(); s.b.close();
  ctx['worker_audit_missing'] = s.pool.audit().missing;
  s.pool.close();
  return mpps;
}

async function viaPiscina(probe: boolean): Promise<number> {
  const s = setup();
  const pool = new Piscina({ filename: TASK, minThreads: 1, maxThreads: 1 });
  const t0 = performance.now();
  const task = pool.run(s.job);
  const outcome = task.then(() => 'resolved', (e: Error) => `rejected: ${e.message}`);
  const mpps = await sample(s.ctr, t0, 'piscina');
  if (probe) {
    // A second task while the loop runs: it waits in piscina's queue for the one thread.
    const other = pool.run({ ...s.job, stop: new Int32Array(new SharedArrayBuffer(4)) });
    other.catch(() => undefined);
    await sleep(50);
    ctx['piscina_second_task_queued'] = pool.queueSize;
    ctx['piscina_utilization'] = round3(pool.utilization);
    // destroy() with the loop running: the thread is terminated, the loop never closes its ports.
    const d0 = performance.now();
    await pool.destroy();
    ctx['piscina_destroy_ms'] = round3(performance.now() - d0);
    ctx['piscina_task_after_destroy'] = await outcome;
    const missing = s.pool.audit().missing;
    const slot = Atomics.load(s.slot, 0) - 1;
    if (slot >= 0) s.pool.reclaimUser(slot);
    ctx['piscina_destroyed_audit_missing'] = missing;
    ctx['piscina_destroyed_missing_after_reclaim'] = s.pool.audit().missing;
  } else {
    const t1 = performance.now();
    Atomics.store(s.stop, 0, 1);
    await outcome;
    ctx['piscina_stop_ms'] = round3(performance.now() - t1);
    await pool.destroy();
    ctx['piscina_audit_missing'] = s.pool.audit().missing;
  }
  s.a.close(); s.b.close();
  s.pool.close();
  return mpps;
}

let rep = 0;
export default () => runBench({
  name: 'piscina-poll',
  unit: 'Mpps',
  peer: 'the same macswap loop (null ports, burst 32, 1 thread) as a piscina 4 task that returns only at stop',
  ours: () => plain(),
  theirs: () => viaPiscina(++rep === 1),
  context: () => ({ ...ctx, seconds: SECONDS }),
});
