// The engine in one thread: exact counters, ownership (every buffer back after stop), zero-copy
// hand-off, full and unconnected links, configure() as a diff that loses nothing on unchanged paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Config, ConfigError, Engine, LINK_CAPACITY, MacSwap, PortIn, PortOut, Sink, Source, f, type AppContext } from '../../src/index.js';
import { Check } from './fixtures/check.js';
import { withPool } from './fixtures/pool.js';


test('rx -> macswap -> tx on null ports: exact counters, every buffer back', () => withPool((pool) => {
  const e = new Engine({ pool });
  e.configure(new Config().app('rx', PortIn, { port: 'null:size=64' }).app('swap', MacSwap).app('tx', PortOut, { port: 'null:size=64' })
    .link('rx.out -> swap.in').link('swap.out -> tx.in'));
  e.run({ breaths: 1000 });
  const s = e.stats();
  assert.equal(s.apps.rx!.in, 32 * 1000);
  assert.equal(s.apps.swap!.in, 32 * 1000);
  assert.equal(s.apps.tx!.out, 32 * 1000);
  assert.deepEqual(s.links['rx.out -> swap.in'], { sent: 32000, delivered: 32000, full: 0 });
  assert.equal(e.inFlight(), 0);
  e.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));

test('macswap swaps the addresses of every packet, and the burst moves without a copy', () => withPool((pool) => {
  const seen: number[][] = [];
  let arrays = new Set<Uint32Array>();
  class Grab extends App {
    static override outputs = [] as const;
    override push(_i: number, hs: Uint32Array, n: number): void {
      arrays.add(hs);
      for (let k = 0; k < n; k++) seen.push([...this.pool.u8.subarray(this.pool.dataOffset(hs[k]!), this.pool.dataOffset(hs[k]!) + 14)]);
      this.pool.freeBurst(hs, n);
    }
  }
  const e = new Engine({ pool });
  e.configure(new Config().app('gen', Source, { count: 64 }).app('swap', MacSwap).app('grab', Grab).link('gen.out -> swap.in').link('swap.out -> grab.in'));
  e.run({ breaths: 10 });
  e.stop();
  assert.equal(seen.length, 64);
  for (const b of seen) assert.deepEqual(b, [0x02, 0x52, 0x57, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x88, 0xb5]);
  // The link arrays swap instead of copying: only the two links' arrays ever reach the sink.
  assert.ok(arrays.size <= 2, `${arrays.size} distinct arrays`);
  arrays = new Set();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));

test('a full link drops and counts what does not fit; an unconnected output counts unconnected', () => withPool((pool) => {
  class Burst extends App {
    static override inputs = [] as const;
    static override outputs = ['out', 'spare'] as const;
    private readonly hs = new Uint32Array(LINK_CAPACITY + 100);
    private done = false;
    override pull(): number {
      if (this.done) return 0;
      this.done = true;
      const n = this.pool.allocBurst(this.hs, this.hs.length);
      this.out[0]!.send(this.hs, n); // 100 over the link's capacity
      const m = this.pool.allocBurst(this.hs, 10);
      this.out[1]!.send(this.hs, m); // not linked
      return n + m;
    }
  }
  const e = new Engine({ pool });
  e.configure(new Config().app('b', Burst).app('sink', Sink).link('b.out -> sink.in'));
  e.run({ breaths: 2 });
  const s = e.stats();
  assert.deepEqual(s.links['b.out -> sink.in'], { sent: LINK_CAPACITY, delivered: LINK_CAPACITY, full: 100 });
  assert.equal(s.apps.b!.out, LINK_CAPACITY);
  assert.equal(s.apps.b!.drops.unconnected, 10);
  assert.equal(s.apps.sink!.drops.sunk, LINK_CAPACITY);
  e.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));

test('configure() as a diff: the unchanged path keeps running and loses no packet', () => withPool((pool) => {
  const a = () => new Config().app('srcA', Source, { seqOffset: 14 }).app('checkA', Check, {}).link('srcA.out -> checkA.in');
  const e = new Engine({ pool });
  const c1 = a().app('srcB', Source).app('sinkB', Sink).link('srcB.out -> sinkB.in');
  e.configure(c1);
  e.run({ breaths: 100 });
  const srcA = (e as unknown as { apps: Map<string, { app: App }> }).apps.get('srcA')!.app;
  // Change path B (new app in the middle, srcB with a new config) and nothing of path A.
  const c2 = a().app('srcB', Source, { size: 128 }).app('swapB', MacSwap).app('sinkB', Sink).link('srcB.out -> swapB.in').link('swapB.out -> sinkB.in');
  e.configure(c2);
  assert.equal((e as unknown as { apps: Map<string, { app: App }> }).apps.get('srcA')!.app, srcA, 'srcA kept (same instance)');
  e.run({ breaths: 100 });
  // Remove path B entirely.
  e.configure(a());
  e.run({ breaths: 100 });
  const s = e.stats();
  assert.equal(s.apps.srcA!.in, 300 * 32);
  assert.equal(s.apps.checkA!.in, 300 * 32, 'every packet of path A arrived');
  assert.equal(s.apps.checkA!.drops.gap, 0, 'in order, no gap');
  assert.equal(s.apps.swapB, undefined);
  e.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));

test('a changed app takes its config in place when it can, else it is restarted; a bad config changes nothing', () => withPool((pool) => {
  let made = 0, reconf = 0, stopped = 0;
  class Knob extends App {
    static override schema = { level: (Source.schema.size) };
    constructor(...a: ConstructorParameters<typeof App>) { super(...a); made++; }
    override push(_i: number, hs: Uint32Array, n: number): void { this.out[0]!.send(hs, n); }
    override reconfigure(c: unknown): boolean { reconf++; return (c as { level: number }).level < 1000; }
    override stop(): void { stopped++; }
  }
  const g = (level: number) => new Config().app('gen', Source).app('k', Knob, { level }).app('sink', Sink).link('gen.out -> k.in').link('k.out -> sink.in');
  const e = new Engine({ pool });
  e.configure(g(64));
  e.configure(g(100)); // in place
  assert.deepEqual([made, reconf, stopped], [1, 1, 0]);
  e.configure(g(2000)); // refused in place: restarted
  assert.deepEqual([made, reconf, stopped], [2, 2, 1]);
  assert.throws(() => e.configure(g(64).link('gen.out -> nope.in')), /no app 'nope'/);
  assert.deepEqual([made, reconf, stopped], [2, 2, 1], 'the bad configuration changed nothing');
  e.run({ breaths: 10 });
  assert.equal(e.stats().apps.sink!.in, 320);
  e.stop();
  assert.equal(stopped, 2);
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));

test('ring ports between two engines: every packet sent arrives, the rest is counted as tx-full', () => withPool((pool) => {
  // Engine 1: gen -> ring:a end 0. Engine 2 (same thread, stepped in turn): ring:a end 1 -> check.
  const e1 = new Engine({ pool });
  const e2 = new Engine({ pool });
  e1.configure(new Config().app('gen', Source, { seqOffset: 14, count: 100_000 }).app('tx', PortOut, { port: 'ring:eng-a', full: 'drop' }).link('gen.out -> tx.in'));
  e2.configure(new Config().app('rx', PortIn, { port: 'ring:eng-a' }).app('check', Check, {}).link('rx.out -> check.in'));
  for (let i = 0; i < 10_000 && e2.stats().apps.check!.in + e1.stats().apps.tx!.dropped < 100_000; i++) {
    e1.run({ breaths: 64 });
    e2.run({ breaths: 64 });
  }
  const s1 = e1.stats(), s2 = e2.stats();
  assert.equal(s1.apps.tx!.out + s1.apps.tx!.drops['tx-full']!, 100_000, 'every packet sent or counted as tx-full');
  assert.equal(s2.apps.check!.in, s1.apps.tx!.out, 'all that was sent arrived');
  e1.stop();
  e2.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));

test('an app whose constructor refuses its config leaves the running graph untouched', () => withPool((pool) => {
  class Picky extends App {
    static override schema = { ok: f.bool({ default: true }) };
    constructor(ctx: AppContext, config: { ok: boolean }) {
      super(ctx, config);
      if (!config.ok) throw new ConfigError(`app '${ctx.name}': not ok`);
    }
    override push(_i: number, hs: Uint32Array, n: number): void { this.out[0]!.send(hs, n); }
  }
  const g = (ok: boolean, extra = false) => {
    const c = new Config().app('gen', Source).app('p', Picky, { ok }).app('sink', Sink).link('gen.out -> p.in').link('p.out -> sink.in');
    if (extra) c.app('swap', MacSwap).app('gen2', Source).link('gen2.out -> swap.in');
    return c;
  };
  const e = new Engine({ pool });
  e.configure(g(true));
  const before = e.app('p');
  e.run({ breaths: 10 });
  // a restart of p that fails, together with new apps that would have worked
  assert.throws(() => e.configure(g(false, true)), /app 'p': not ok/);
  assert.equal(e.app('p'), before, 'the running instance stays');
  assert.equal(e.app('swap'), undefined, 'nothing of the new configuration was applied');
  e.run({ breaths: 10 });
  assert.equal(e.stats().apps.sink!.in, 20 * 32, 'the old graph kept running');
  e.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
}));
