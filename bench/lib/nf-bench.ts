// Shared pieces of the network-function benches: the input capture (valid IPv4/UDP frames over
// 1,024 flows, the same file for both sides), and our side's measurement (one engine on this
// thread: pcap port with loop=1 -> the app under test -> null ports; Mpps out of the app).
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Config } from '../../src/pipeline/config.js';
import { Engine } from '../../src/pipeline/engine.js';
import { PortIn, PortOut } from '../../src/apps/port.js';
import type { AppClass } from '../../src/pipeline/app.js';
import { ipv4, writePcap } from '../../test/lib/nf-packets.js';

export const ROUTER_MAC = '02:00:00:00:00:10';

/** 1,024 flows: sources 10.0.x.y, destinations alternating 198.18.0.z / 198.18.1.z, UDP. */
export function flowsPcap(path: string, dst: (i: number) => string = (i) => `198.18.${i & 1}.${(i >> 1) & 255}`, flows = 1024): void {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < flows; i++) frames.push(ipv4(ROUTER_MAC, '02:00:00:00:aa:01', `10.0.${i >> 8}.${i & 255}`, dst(i), { proto: 17, sport: 1024 + i, dport: 2000 + (i & 7) }));
  writePcap(path, frames);
}

/**
 * Runs rx (pcap loop) -> app -> two null ports (outputs `outs`) for warmup + seconds on this
 * thread; returns Mpps leaving the app (or entering it: count 'in') over the measured seconds.
 */
export function measureOurs(pcap: string, cls: AppClass, config: unknown, outs: string[], seconds: number, warmupS = 1, count: 'in' | 'out' = 'out'): number {
  const pool = Pool.create({ buffers: 8192, hugepages: 'never' });
  const eng = new Engine({ pool });
  try {
    const c = new Config();
    c.app('rx', PortIn, { port: `pcap:rx=${pcap},loop=1` });
    c.app('dut', cls, config as never);
    outs.forEach((o, k) => c.app(`tx${k}`, PortOut, { port: `null:size=64,mac=02:00:00:00:0f:${(16 + k).toString(16)}` }));
    c.link('rx.out -> dut.in0'.replace('in0', (cls.inputs === '*' ? 'if0' : 'in')));
    outs.forEach((o, k) => c.link(`dut.${o} -> tx${k}.in`));
    eng.configure(c);
    eng.run({ durationMs: warmupS * 1000 });
    const out0 = eng.stats().apps['dut']![count];
    const t0 = performance.now();
    eng.run({ durationMs: seconds * 1000 });
    const t1 = performance.now();
    const out1 = eng.stats().apps['dut']![count];
    return (out1 - out0) / ((t1 - t0) / 1000) / 1e6;
  } finally {
    eng.stop();
    PoolView.closeThreadViews();
    pool.close();
  }
}
