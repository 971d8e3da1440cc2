// Worker entry of a supervised pipeline: builds its graph from the same source as the supervisor,
// runs an Engine on it until told to stop, and takes new configurations between breaths.
//
// A busy-polling worker never returns to its event loop, so control messages are read with
// receiveMessageOnPort (synchronous) from the engine's once-a-millisecond poll; replies go out
// with postMessage, which needs no event loop on this side.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { PortDescriptor } from '../port/port.js';
import { PoolView } from '../memory/pool.js';
import { native } from '../native.js';
import type { CounterDescriptor } from './counters.js';
import { Engine } from './engine.js';
import { build, type ConfigSource } from './source.js';
import { workerConfig, type WorkerPlan } from './stages.js';

export interface WorkerJob {
  source: ConfigSource;
  plan: WorkerPlan;
  queues: number;
  poolId: number;
  ports: Record<string, PortDescriptor>;
  counters: CounterDescriptor;
  stop: Int32Array;
  ctl: MessagePort;
  /** Pin this worker's thread to this CPU first (SupervisorOptions.cpus). */
  cpu?: number;
}

export type ToWorker = { type: 'configure'; source: ConfigSource; ports: Record<string, PortDescriptor>; plan: WorkerPlan };
export type FromWorker =
  | { type: 'ready'; slot: number; slots: ReturnType<Engine['slotMap']> }
  | { type: 'configured'; slots: ReturnType<Engine['slotMap']> }
  | { type: 'error'; message: string; code?: string }
  | { type: 'done'; inFlight: number };

const job = workerData as WorkerJob;
const post = (m: FromWorker) => parentPort!.postMessage(m);

async function main(): Promise<void> {
  if (job.cpu !== undefined) native.pinThread([job.cpu]);
  const ctx = { queue: job.plan.queue, queues: job.queues };
  const cfg = workerConfig(await build(job.source, ctx), job.plan);
  const engine = new Engine({ pool: job.poolId, queue: job.plan.queue, ports: job.ports, counters: job.counters });
  engine.configure(cfg);
  post({ type: 'ready', slot: engine.pool.slot, slots: engine.slotMap() });
  // Module imports are cached, so rebuilding from a module source is synchronous in effect;
  // the builder may still be async, so a reconfiguration resumes the run after it.
  let pending: ToWorker | undefined;
  const poll = () => {
    const m = receiveMessageOnPort(job.ctl);
    if (m) {
      pending = m.message as ToWorker;
      Atomics.store(wake, 0, 1);
    }
  };
  const wake = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    engine.run({ stop: job.stop, poll, until: () => Atomics.load(wake, 0) !== 0 });
    if (Atomics.load(job.stop, 0) !== 0) break;
    Atomics.store(wake, 0, 0);
    const m = pending;
    pending = undefined;
    if (m?.type === 'configure') {
      try {
        engine.addPorts(m.ports);
        engine.configure(workerConfig(await build(m.source, ctx), m.plan));
        post({ type: 'configured', slots: engine.slotMap() });
      } catch (e) {
        post({ type: 'error', message: (e as Error).message, code: (e as { code?: string }).code });
      }
    }
  }
  const inFlight = engine.inFlight();
  engine.stop();
  PoolView.closeThreadViews();
  post({ type: 'done', inFlight });
}

main().catch((e: unknown) => {
  post({ type: 'error', message: (e as Error).message, code: (e as { code?: string }).code });
  process.exit(1);
});
