// Tee and Join, each in a small graph: exact counters, every packet where it belongs, audit clean.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Join, Tee } from '../../src/apps/index.js';
import { ConfigError } from '../../src/pipeline/schema.js';
import { Collect, Config, Gen, eth, feeds, hex, seen, start } from './lib.js';

const frames = (n: number, tag: number) =>
  Array.from({ length: n }, (_, i) => eth(`02:00:00:00:${tag.toString(16).padStart(2, '0')}:01`, '02:00:00:00:00:02', 0x88b5, Array.from({ length: (i * 37) % 1400 }, (_, k) => (i + k) & 0xff)));

test('Tee: every output gets every packet, byte for byte and in order (original on the first, copies on the others)', () => {
  const fr = frames(300, 1);
  feeds.set('g', fr);
  const c = new Config()
    .app('g', Gen, { burst: 32 }).app('tee', Tee).app('c', Collect)
    .link('g.out -> tee.a').link('tee.a -> c.a').link('tee.b -> c.b').link('tee.c -> c.c');
  // Tee's input is 'in': that link must be rejected, naming the app and the input.
  assert.throws(() => c.validate(), (e: Error) => e instanceof ConfigError && /app 'tee' \(Tee\) has no input 'a'; it has in/.test(e.message));
  c.links.delete('g.out -> tee.a');
  c.link('g.out -> tee.in');
  const r = start(c);
  r.settle();
  const want = fr.map(hex);
  for (const o of ['a', 'b', 'c']) assert.deepEqual(seen.get('c')!.get(o), want, `output ${o}`);
  const s = r.finish();
  assert.deepEqual(s.apps['tee'], { in: 300, out: 900, dropped: 0, drops: { unconnected: 0, nombuf: 0 } });
  assert.equal(s.links['tee.b -> c.b']!.delivered, 300);
});

test('Tee: copies the pool cannot supply are dropped as nombuf; the original always goes on; audit exact', () => {
  const fr = frames(400, 2);
  feeds.set('g', fr);
  const c = new Config()
    .app('g', Gen, { burst: 48 }).app('tee', Tee).app('c', Collect)
    .link('g.out -> tee.in').link('tee.a -> c.a').link('tee.b -> c.b').link('tee.c -> c.c');
  const r = start(c, 96); // 48 originals + 96 copies per breath do not fit in 96 buffers
  r.settle();
  const got = seen.get('c')!;
  assert.deepEqual(got.get('a'), fr.map(hex), 'originals are never lost');
  const s = r.finish();
  const copies = got.get('b')!.length + got.get('c')!.length;
  assert.ok(s.apps['tee']!.drops['nombuf']! > 0, 'the small pool ran out');
  assert.equal(copies + s.apps['tee']!.drops['nombuf']!, 800, 'each missing copy is counted once');
  assert.equal(s.apps['tee']!.dropped, s.apps['tee']!.drops['nombuf']);
  assert.equal(s.apps['tee']!.out, 400 + copies);
});

test('Tee with no output drops as unconnected', () => {
  feeds.set('g', frames(50, 3));
  const r = start(new Config().app('g', Gen).app('tee', Tee).link('g.out -> tee.in'));
  r.settle();
  const s = r.finish();
  assert.deepEqual(s.apps['tee'], { in: 50, out: 0, dropped: 50, drops: { unconnected: 50, nombuf: 0 } });
});

test('Join: any number of inputs into one output; each source keeps its order', () => {
  const a = frames(130, 4), b = frames(70, 5), d = frames(33, 6);
  feeds.set('ga', a);
  feeds.set('gb', b);
  feeds.set('gd', d);
  const c = new Config()
    .app('ga', Gen, { burst: 16 }).app('gb', Gen, { burst: 7 }).app('gd', Gen, { burst: 32 }).app('j', Join).app('c', Collect)
    .link('ga.out -> j.x').link('gb.out -> j.y').link('gd.out -> j.z').link('j.out -> c.in');
  const r = start(c);
  r.settle();
  const all = seen.get('c')!.get('in')!;
  assert.equal(all.length, 233);
  for (const src of [a, b, d]) {
    const mine = new Set(src.map(hex));
    assert.deepEqual(all.filter((x) => mine.has(x)), src.map(hex), 'order per source');
  }
  const s = r.finish();
  assert.deepEqual(s.apps['j'], { in: 233, out: 233, dropped: 0, drops: { unconnected: 0 } });
});

test('Join with its output unlinked drops as unconnected; a config field it does not take is a ConfigError', () => {
  assert.throws(() => new Config().app('j', Join, { burst: 3 } as never), /app 'j' \(Join\): unknown field 'burst'; it takes no configuration/);
  feeds.set('g', frames(10, 7));
  const r = start(new Config().app('g', Gen).app('j', Join).link('g.out -> j.a'));
  r.settle();
  assert.deepEqual(r.finish().apps['j'], { in: 10, out: 0, dropped: 10, drops: { unconnected: 10 } });
});
