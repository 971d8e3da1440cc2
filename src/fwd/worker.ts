// Worker entry: attaches to both ports, forwards one queue until told to stop, then returns its
// pool cache to the shared ring and reports.
import { parentPort, workerData } from 'node:worker_threads';
import { Port, type PortDescriptor } from '../port/port.js';
import { PoolView } from '../memory/pool.js';
import { forwardLoop, type FwdMode } from './loop.js';

interface Job { a: PortDescriptor; b: PortDescriptor; q: number; mode: FwdMode; burst: number; retry: boolean; stop: Int32Array; ctr: Float64Array; txFirst: number }
const j = workerData as Job;
const a = Port.attach(j.a);
const b = Port.attach(j.b);
parentPort!.postMessage({ ready: true, slot: a.pool.slot });
forwardLoop({ a, b, q: j.q, mode: j.mode, burst: j.burst, retry: j.retry, stop: j.stop, ctr: j.ctr, txFirst: j.txFirst });
a.close();
b.close();
PoolView.closeThreadViews();
parentPort!.postMessage({ done: true });
