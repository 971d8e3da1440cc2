// Test helpers for the apps: a source that sends given frames, a sink that records what reaches
// each of its inputs, frame builders, and an engine wrapper that checks the pool audit at the end.
import assert from 'node:assert/strict';
import { Pool } from '../../src/memory/pool.js';
import { META_SIZE } from '../../src/memory/layout.js';
import { App, type AppContext } from '../../src/pipeline/app.js';
import { Config } from '../../src/pipeline/config.js';
import { Engine, type EngineStats } from '../../src/pipeline/engine.js';
import { f, type ConfigOf } from '../../src/pipeline/schema.js';

/** Frames queued per Gen app name (tests only: a config is plain data, frames are bytes). */
export const feeds = new Map<string, Uint8Array[]>();

/**
 * Gen: a source that sends the frames queued in feeds[name] (`repeat` times over), `burst` per
 * pull. A test can queue more frames between breaths.
 */
export class Gen extends App {
  static override schema = { burst: f.int({ min: 1, max: 1024, default: 32 }), repeat: f.int({ min: 1, default: 1 }) };
  static override inputs = [] as const;
  static override outputs = ['out'] as const;
  declare readonly config: ConfigOf<typeof Gen.schema>;
  private readonly hs: Uint32Array;
  private at = 0;
  private round = 0;

  constructor(ctx: AppContext, config: ConfigOf<typeof Gen.schema>) {
    super(ctx, config);
    this.hs = new Uint32Array(config.burst);
    if (!feeds.has(ctx.name)) feeds.set(ctx.name, []);
  }

  override pull(): number {
    const q = feeds.get(this.name)!;
    if (this.at >= q.length && this.round + 1 < this.config.repeat && q.length > 0) {
      this.round++;
      this.at = 0;
    }
    const want = Math.min(this.config.burst, q.length - this.at);
    if (want <= 0) return 0;
    const p = this.pool, hs = this.hs;
    const got = p.allocBurst(hs, want);
    for (let k = 0; k < got; k++) {
      const fr = q[this.at++]!, h = hs[k]!;
      p.u8.fill(0, p.offset(h), p.offset(h) + META_SIZE);
      p.reset(h);
      p.u8.set(fr, p.dataOffset(h));
      p.setDataLen(h, fr.length);
    }
    this.countIn(got);
    this.out[0]!.send(hs, got);
    return got;
  }
}

/** What each Collect app saw, per input name: the frames' bytes as hex. */
export const seen = new Map<string, Map<string, string[]>>();

/** Collect: records every packet (hex, per input) and frees it. */
export class Collect extends App {
  static override inputs = '*' as const;
  static override outputs = [] as const;
  static override dropReasons = ['collected'];

  constructor(ctx: AppContext, config: unknown) {
    super(ctx, config);
    seen.set(ctx.name, new Map(ctx.inputs.map((i) => [i, []])));
  }

  override push(input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, rec = seen.get(this.name)!.get(this.inputNames[input]!)!;
    for (let k = 0; k < n; k++) {
      const o = p.dataOffset(hs[k]!);
      rec.push(Buffer.from(p.u8.subarray(o, o + p.dataLen(hs[k]!))).toString('hex'));
    }
    this.drop(hs, n, 0);
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function mac(s: string): number[] {
  return s.split(':').map((x) => parseInt(x, 16));
}

/** An Ethernet frame: dst, src, then `tags` (802.1Q/802.1ad: [tpid, vid]), ethertype, payload; padded to 60. */
export function eth(dst: string, src: string, type: number, payload: number[] | Uint8Array = [], tags: Array<[number, number]> = []): Uint8Array {
  const b = [...mac(dst), ...mac(src)];
  for (const [tpid, vid] of tags) b.push(tpid >> 8, tpid & 0xff, (vid >> 8) & 0x0f, vid & 0xff);
  b.push(type >> 8, type & 0xff, ...payload);
  while (b.length < 60) b.push(0);
  return Uint8Array.from(b);
}

/** A minimal IPv4 header (20 bytes + options) with protocol `proto`, then `rest`. */
export function ipv4(proto: number, rest: number[] = [], optionWords = 0): number[] {
  const ihl = 5 + optionWords;
  const h = [0x40 | ihl, 0, 0, ihl * 4 + rest.length, 0, 0, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  for (let i = 0; i < optionWords * 4; i++) h.push(1); // NOP options
  return [...h, ...rest];
}

/** An IPv6 header whose chain is `exts` (each [type, length in 8-byte units - 1]) then `proto`. */
export function ipv6(proto: number, exts: Array<[number, number]> = [], rest: number[] = []): number[] {
  const first = exts.length ? exts[0]![0] : proto;
  const h = [0x60, 0, 0, 0, 0, 0, first, 64, ...new Array(32).fill(0)];
  exts.forEach(([type, len], i) => {
    const next = i + 1 < exts.length ? exts[i + 1]![0] : proto;
    const size = type === 44 ? 8 : (len + 1) * 8;
    const e = new Array(size).fill(0);
    e[0] = next;
    if (type !== 44) e[1] = len;
    h.push(...e);
  });
  return [...h, ...rest];
}

export interface Run {
  pool: Pool;
  engine: Engine;
  /** Breathes until a breath pulls nothing and no link holds packets (at most `max` breaths). */
  settle(max?: number): void;
  /** Stops the engine, checks the audit (missing 0, duplicates 0), closes the pool; returns the final stats. */
  finish(): EngineStats;
}

export function start(cfg: Config, buffers = 4096): Run {
  const pool = Pool.create({ buffers, hugepages: 'never' });
  const engine = new Engine({ pool });
  try {
    engine.configure(cfg);
  } catch (e) {
    engine.stop();
    pool.close();
    throw e;
  }
  return {
    pool,
    engine,
    settle(max = 100_000) {
      for (let i = 0; i < max; i++) {
        const pulled = engine.breathe();
        if (pulled === 0 && engine.inFlight() === 0) return;
      }
      throw new Error(`engine did not settle in ${max} breaths`);
    },
    finish() {
      const stats = engine.stats();
      engine.stop();
      assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, 'every buffer back in the pool');
      pool.close();
      return stats;
    },
  };
}

export { Config };
