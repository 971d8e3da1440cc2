// apps-cost: what each basic app costs per packet inside one engine (one thread), as the extra
// time over a source -> sink graph. The source writes a 14-byte Ethernet header into each fresh
// buffer (so Split and L2Fwd have something to read), the sink frees. Headline: L2Fwd forwarding
// known unicast (ours) vs MacSwap (theirs), both as the middle app of a 3-app graph in the same
// run; the context holds ns/packet of every graph and each app's cost over the bare graph.
import { Pool } from '../src/memory/pool.js';
import { App, type AppContext } from '../src/pipeline/app.js';
import { Config } from '../src/pipeline/config.js';
import { Engine } from '../src/pipeline/engine.js';
import { f, type ConfigOf } from '../src/pipeline/schema.js';
import { Join, L2Fwd, MacSwap, PcapWriter, Sink, Split, Tee } from '../src/apps/index.js';
import { runBench, round3 } from './lib/harness.js';

export const description = 'per-packet cost of each basic app in one engine (ns over src -> sink); headline L2Fwd vs MacSwap (Mpps)';

const MS = Number(process.env['BENCH_MS'] ?? 700);

/** A source of 64-byte frames: dst, src, ethertype (alternating with `type2` when given). */
class Stamp extends App {
  static override schema = { dst: f.int(), src: f.int(), type: f.int({ default: 0x0800 }), type2: f.int({ optional: true }), budget: f.int({ optional: true }) };
  static override inputs = [] as const;
  declare readonly config: ConfigOf<typeof Stamp.schema>;
  private readonly hs = new Uint32Array(32);
  private left: number;
  constructor(ctx: AppContext, c: ConfigOf<typeof Stamp.schema>) {
    super(ctx, c);
    this.left = c.budget ?? Infinity;
  }
  override pull(): number {
    if (this.left <= 0) return 0;
    const p = this.pool, hs = this.hs, u16 = p.u16, c = this.config;
    const want = this.left < 32 ? this.left : 32;
    const got = p.allocBurst(hs, want);
    this.left -= got;
    // 16-bit words in network order, written as little-endian u16 (byte swap)
    const sw = (x: number) => ((x & 0xff) << 8) | (x >> 8);
    for (let k = 0; k < got; k++) {
      const m = p.bufBase + hs[k]! * p.stride, off = 64 + p.headroom, w = (m + off) >> 1;
      u16[m >> 1] = off;
      u16[(m + 2) >> 1] = 64;
      u16[w] = 0x0002; u16[w + 1] = 0; u16[w + 2] = sw(c.dst);
      u16[w + 3] = 0x0002; u16[w + 4] = 0; u16[w + 5] = sw(c.src);
      u16[w + 6] = sw(c.type2 !== undefined && (k & 1) === 1 ? c.type2 : c.type);
    }
    this.countIn(got);
    this.out[0]!.send(hs, got);
    return got;
  }
}

type Build = (c: Config) => void;
const graphs: Record<string, Build> = {
  base: (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).link('s.out -> k.in'); },
  macswap: (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).app('x', MacSwap).link('s.out -> x.in').link('x.out -> k.in'); },
  join: (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).app('x', Join).link('s.out -> x.a').link('x.out -> k.in'); },
  'split-one-output': (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).app('x', Split, { by: 'ethertype', map: { '0x0800': 'a' } }).link('s.out -> x.in').link('x.a -> k.in'); },
  'split-two-outputs': (c) => { c.app('s', Stamp, { dst: 2, src: 1, type2: 0x86dd }).app('x', Split, { by: 'ethertype', map: { '0x0800': 'a', '0x86dd': 'b' } }).link('s.out -> x.in').link('x.a -> k.a').link('x.b -> k.b'); },
  'tee-two-outputs': (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).app('x', Tee).link('s.out -> x.in').link('x.a -> k.a').link('x.b -> k.b'); },
  'l2fwd-unicast': (c) => {
    c.app('s', Stamp, { dst: 2, src: 1 }).app('s2', Stamp, { dst: 1, src: 2, budget: 1 }).app('x', L2Fwd)
      .link('s.out -> x.p0').link('s2.out -> x.p1').link('x.p0 -> k.p0').link('x.p1 -> k.p1');
  },
  'pcap-tap': (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).app('x', PcapWriter, { file: '/dev/null' }).link('s.out -> x.in').link('x.out -> k.in'); },
  'pcap-end': (c) => { c.app('s', Stamp, { dst: 2, src: 1 }).app('x', PcapWriter, { file: '/dev/null' }).link('s.out -> x.in'); },
};

/** Mpps through graph `name` (packets leaving the middle app's outputs, or recorded by pcap-end). */
export function mpps(name: string): number {
  const pool = Pool.create({ buffers: 8192, hugepages: 'never' });
  const e = new Engine({ pool });
  const c = new Config().app('k', Sink);
  graphs[name]!(c);
  e.configure(c);
  e.run({ durationMs: 150 }); // warm-up (JIT)
  const s0 = e.stats(), t0 = performance.now();
  e.run({ durationMs: MS });
  const s1 = e.stats(), ms = performance.now() - t0;
  const count = (s: typeof s0) => (name === 'pcap-end' ? s.apps['x']!.out : s.apps['s']!.in);
  e.stop();
  const a = pool.audit();
  pool.close();
  if (a.missing !== 0 || a.duplicates !== 0) throw new Error(`${name}: audit ${JSON.stringify(a)}`);
  return (count(s1) - count(s0)) / (ms * 1000);
}

const ctx: Record<string, number> = {};
export default () => runBench({
  name: 'apps-cost',
  unit: 'Mpps',
  peer: 'MacSwap as the middle app of the same 3-app graph, same engine, same run',
  ours: async () => {
    const base = mpps('base');
    ctx['base_ns'] = round3(1000 / base);
    for (const g of Object.keys(graphs)) {
      if (g === 'base' || g === 'macswap') continue;
      const r = mpps(g);
      ctx[`${g}_ns`] = round3(1000 / r);
      ctx[`${g}_app_ns`] = round3(1000 / r - 1000 / base);
      console.log(`  ${g.padEnd(18)} ${r.toFixed(2)} Mpps, ${(1000 / r).toFixed(1)} ns/packet, app ${(1000 / r - 1000 / base).toFixed(1)} ns`);
    }
    return mpps('l2fwd-unicast');
  },
  theirs: async () => {
    const r = mpps('macswap');
    ctx['macswap_ns'] = round3(1000 / r);
    if (ctx['base_ns'] !== undefined) ctx['macswap_app_ns'] = round3(1000 / r - ctx['base_ns']);
    return r;
  },
  context: () => ({ ...ctx, ms_per_graph: MS }),
});
