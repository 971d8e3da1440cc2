// Test harness pieces for the network-function apps: a source app that replays a list of frames
// once (real packets in real pool buffers, through a real engine), and a helper that runs a
// one-app pipeline and collects what came out of each output, as bytes.
import { App } from '../../src/pipeline/app.js';
import { Config } from '../../src/pipeline/config.js';
import { Engine, type EngineStats } from '../../src/pipeline/engine.js';
import type { AppClass } from '../../src/pipeline/app.js';
import { Pool, PoolView } from '../../src/memory/pool.js';

/** Replays `frames` (set as a static before configuring) once, 32 per pull. */
export function replayer(frames: Uint8Array[]): AppClass {
  return class Replay extends App {
    static override inputs = [] as const;
    private at = 0;
    private readonly hs = new Uint32Array(32);
    override pull(): number {
      const n = this.pool.allocBurst(this.hs, Math.min(32, frames.length - this.at));
      for (let i = 0; i < n; i++) {
        const h = this.hs[i]!, f = frames[this.at++]!;
        this.pool.reset(h);
        this.pool.u8.set(f, this.pool.dataOffset(h));
        this.pool.setDataLen(h, f.length);
      }
      this.countIn(n);
      this.out[0]!.send(this.hs, n);
      return n;
    }
  } as unknown as AppClass;
}

/** Keeps copies of what it receives, then frees the packets. */
export class Collect extends App {
  static override inputs = '*' as const;
  static override outputs = [] as const;
  static got: Record<string, Uint8Array[]> = {};
  override push(input: number, hs: Uint32Array, n: number): void {
    const k = `${this.name}`;
    const list = (Collect.got[k] ??= []);
    for (let i = 0; i < n; i++) {
      const o = this.pool.dataOffset(hs[i]!);
      list.push(this.pool.u8.slice(o, o + this.pool.dataLen(hs[i]!)));
    }
    void input;
    this.pool.freeBurst(hs, n);
    this.countOut(n);
  }
}

/**
 * Runs `frames` through one app of class `cls` (its inputs fed by replayers named in `inputs`),
 * every output of `outputs` collected. Returns the frames per output and the engine's stats;
 * fails if any buffer is lost.
 */
export function runApp(cls: AppClass, config: unknown, inputs: Record<string, Uint8Array[]>, outputs: string[], breaths = 50):
  { out: Record<string, Uint8Array[]>; stats: EngineStats; app: App } {
  const pool = Pool.create({ buffers: 4096, hugepages: 'never' });
  const eng = new Engine({ pool });
  Collect.got = {};
  try {
    const c = new Config();
    for (const [name, fr] of Object.entries(inputs)) c.app(`src_${name}`, replayer(fr));
    c.app('dut', cls, config as never);
    for (const o of outputs) c.app(`out_${o}`, Collect);
    for (const name of Object.keys(inputs)) c.link(`src_${name}.out -> dut.${name}`);
    for (const o of outputs) c.link(`dut.${o} -> out_${o}.in`);
    eng.configure(c);
    eng.run({ breaths });
    const stats = eng.stats();
    const app = (eng as unknown as { apps: Map<string, { app: App }> }).apps.get('dut')!.app;
    eng.stop();
    const a = pool.audit();
    if (a.missing !== 0 || a.duplicates !== 0) throw new Error(`buffers lost: ${JSON.stringify(a)}`);
    const out: Record<string, Uint8Array[]> = {};
    for (const o of outputs) out[o] = Collect.got[`out_${o}`] ?? [];
    return { out, stats, app };
  } finally {
    PoolView.closeThreadViews();
    pool.close();
  }
}
