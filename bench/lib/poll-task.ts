// piscina-poll's task: the forwarder's busy-polling loop (src/fwd/loop.ts) as a piscina task. It
// returns only when the stop flag is set; `slot` gets this thread's pool user slot so the bench
// can see what a terminated task leaves behind.
import { Port, type PortDescriptor } from '../../src/port/port.js';
import { PoolView } from '../../src/memory/pool.js';
import { forwardLoop } from '../../src/fwd/loop.js';

interface Job { a: PortDescriptor; b: PortDescriptor; stop: Int32Array; ctr: Float64Array; slot: Int32Array }

export default function poll(j: Job): number {
  const a = Port.attach(j.a), b = Port.attach(j.b);
  Atomics.store(j.slot, 0, a.pool.slot + 1);
  forwardLoop({ a, b, q: 0, mode: 'macswap', burst: 32, retry: false, stop: j.stop, ctr: j.ctr });
  a.close();
  b.close();
  PoolView.closeThreadViews();
  return j.ctr[0]!;
}
