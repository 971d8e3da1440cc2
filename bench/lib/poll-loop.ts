// The busy-polling loop piscina-poll runs both ways: the forwarder's macswap pipeline on two null
// ports in an Engine of this thread, until the stop flag is set. ctr[0] gets the packets forwarded
// (published about every millisecond), slot[0] this thread's pool user slot + 1.
import { Engine } from '../../src/pipeline/engine.js';
import { Config } from '../../src/pipeline/config.js';
import { builtinApps } from '../../src/apps/index.js';
import { forwarderConfig } from '../../src/fwd/forwarder.js';
import type { PortDescriptor } from '../../src/port/port.js';

export interface PollJob { a: PortDescriptor; b: PortDescriptor; stop: Int32Array; ctr: Float64Array; slot: Int32Array }

export function pollLoop(j: PollJob): number {
  const e = new Engine({ pool: j.a.poolId, ports: { a: j.a, b: j.b } });
  e.configure(Config.fromJSON(forwarderConfig({ a: j.a.spec, b: j.b.spec, mode: 'macswap', burst: 32, retry: false, txFirst: 0 }), builtinApps));
  Atomics.store(j.slot, 0, e.pool.slot + 1);
  const forwarded = () => { const s = e.stats().apps; return s.txa!.out + s.txb!.out; };
  e.run({ stop: j.stop, poll: () => { j.ctr[0] = forwarded(); } });
  j.ctr[0] = forwarded();
  e.stop();
  return j.ctr[0]!;
}
