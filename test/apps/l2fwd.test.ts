// L2Fwd, a learning switch over three ports: learning, unicast, flooding (with copies), group
// addresses, same-port filtering, moves, ageing, the table bound; and the MAC table itself against
// a Map model under random learn/age/sweep.
import test from 'node:test';
import assert from 'node:assert/strict';
import { L2Fwd, MacTable } from '../../src/apps/index.js';
import { ConfigError } from '../../src/pipeline/schema.js';
import { Collect, Config, Gen, eth, feeds, hex, seen, start, type Run } from './lib.js';

const MA = '02:00:00:00:00:0a', MB = '02:00:00:00:00:0b', MC = '02:00:00:00:00:0c', MD = '02:00:00:00:00:0d';
const BCAST = 'ff:ff:ff:ff:ff:ff', MCAST = '01:00:5e:00:00:01';

function bridge(cfg: Record<string, unknown> = {}, buffers = 4096): Run {
  const c = new Config().app('l2', L2Fwd, cfg as never).app('c', Collect);
  for (const p of ['p0', 'p1', 'p2']) {
    feeds.set(`g${p}`, []);
    c.app(`g${p}`, Gen, { burst: 32 }).link(`g${p}.out -> l2.${p}`).link(`l2.${p} -> c.${p}`);
  }
  return start(c, buffers);
}

/** Sends frame on port `p`, settles, and returns which ports got a copy since the last call. */
function send(r: Run, p: string, fr: Uint8Array): string[] {
  const before = Object.fromEntries([...seen.get('c')!].map(([k, v]) => [k, v.length]));
  feeds.get(`g${p}`)!.push(fr);
  r.settle();
  const got: string[] = [];
  for (const [k, v] of seen.get('c')!) {
    for (let i = before[k]!; i < v.length; i++) {
      assert.equal(v[i], hex(fr), `port ${k} got the frame's bytes`);
      got.push(k);
    }
  }
  return got.sort();
}

test('L2Fwd: learns, forwards known unicast, floods unknown, broadcast and multicast (copies), filters same-port, follows a move', () => {
  const r = bridge();
  assert.deepEqual(send(r, 'p0', eth(MB, MA, 0x88b5, [1])), ['p1', 'p2'], 'B unknown: flood');
  assert.deepEqual(send(r, 'p1', eth(MA, MB, 0x88b5, [2])), ['p0'], 'A was learned on p0');
  assert.deepEqual(send(r, 'p0', eth(MB, MA, 0x88b5, [3])), ['p1'], 'B was learned on p1');
  assert.deepEqual(send(r, 'p2', eth(BCAST, MC, 0x0806, [4])), ['p0', 'p1'], 'broadcast: every other port');
  assert.deepEqual(send(r, 'p1', eth(MCAST, MB, 0x0800, [5])), ['p0', 'p2'], 'multicast: flooded');
  assert.deepEqual(send(r, 'p0', eth(MA, MD, 0x88b5, [6])), [], 'A is on p0, the ingress: filtered');
  assert.deepEqual(send(r, 'p1', eth(MD, MB, 0x88b5, [7])), ['p0'], 'D learned on p0 from the filtered frame');
  assert.deepEqual(send(r, 'p2', eth(MB, MCAST, 0x88b5, [8])), ['p1'], 'a group source address is not learned...');
  assert.deepEqual(send(r, 'p0', eth(MCAST.replace('01', '03'), MA, 0x88b5, [9])).length, 2, '...and group destinations flood');
  assert.deepEqual(send(r, 'p2', eth(MC, MA, 0x88b5, [10])), [], 'C is on p2 = ingress: filtered; A moves to p2');
  assert.deepEqual(send(r, 'p1', eth(MA, MB, 0x88b5, [11])), ['p2'], 'A follows its move');
  // A burst: 30 frames to B (known, p1) from p0 move on as one burst; 2 unknown ones flood.
  const burst = [...Array.from({ length: 30 }, (_, i) => eth(MB, MA, 0x88b5, [i])), eth('02:00:00:00:00:99', MA, 0x88b5), eth(MB, MA, 0x88b5).subarray(0, 12)];
  for (const fr of burst) feeds.get('gp0')!.push(fr);
  r.settle();
  const s = r.finish();
  // in: 11 single frames + 32; out: 2+1+1+2+2+0+1+1+2+0+1 = 13, + 30 unicast + 2 flooded copies of the unknown one
  assert.deepEqual(s.apps['l2'], { in: 43, out: 45, dropped: 3, drops: { unconnected: 0, nombuf: 0, 'same-port': 2, malformed: 1, 'table-full': 0 } });
  assert.equal(seen.get('c')!.get('p1')!.filter((x) => x.startsWith(MB.replaceAll(':', ''))).length, 30 + 3);
});

test('L2Fwd: entries age out (ageMs, via tick), the table bound counts table-full without dropping', () => {
  const r = bridge({ ageMs: 30, maxEntries: 2 });
  assert.deepEqual(send(r, 'p0', eth(BCAST, MA, 0x88b5)), ['p1', 'p2']);
  assert.deepEqual(send(r, 'p1', eth(BCAST, MB, 0x88b5)), ['p0', 'p2']);
  assert.deepEqual(send(r, 'p2', eth(BCAST, MC, 0x88b5)), ['p0', 'p1'], 'C is not learned: the table holds 2');
  assert.deepEqual(send(r, 'p0', eth(MC, MA, 0x88b5)), ['p1', 'p2'], 'C unknown: flooded');
  assert.deepEqual(send(r, 'p2', eth(MA, MC, 0x88b5)), ['p0'], 'A known');
  r.engine.run({ durationMs: 80 }); // ticks pass: A and B age out (and are swept)
  assert.deepEqual(send(r, 'p2', eth(MA, MC, 0x88b5)), ['p0', 'p1'], 'A aged out: flooded again; C learned now');
  assert.deepEqual(send(r, 'p0', eth(MC, MA, 0x88b5)), ['p2'], 'C was learned once there was room');
  const s = r.finish();
  assert.equal(s.apps['l2']!.drops['table-full'], 2, 'C twice not learned (a count of frames, not a drop)');
  assert.equal(s.apps['l2']!.dropped, 0);
});

test('L2Fwd: flood copies the pool cannot supply are nombuf drops; the audit stays exact', () => {
  const r = bridge({}, 48);
  for (let i = 0; i < 200; i++) feeds.get('gp0')!.push(eth(BCAST, MA, 0x88b5, [i]));
  r.settle();
  const got = seen.get('c')!;
  const s = r.finish();
  assert.equal(got.get('p0')!.length, 0);
  assert.ok(s.apps['l2']!.drops['nombuf']! > 0, '48 buffers cannot hold a burst of 32 and its copies');
  assert.equal(got.get('p1')!.length + got.get('p2')!.length + s.apps['l2']!.drops['nombuf']!, 400);
  assert.equal(s.apps['l2']!.out, got.get('p1')!.length + got.get('p2')!.length);
});

test('L2Fwd: configuration errors name the app and the field', () => {
  assert.throws(() => new Config().app('br', L2Fwd, { maxEntries: 0 }), (e: Error) => e instanceof ConfigError && /app 'br' \(L2Fwd\): field 'maxEntries': 0 is not an integer 1\.\.1048576/.test(e.message));
  assert.throws(() => new Config().app('br', L2Fwd, { ageMs: 'long' } as never), /app 'br' \(L2Fwd\): field 'ageMs': "long" is not an integer/);
  assert.throws(() => new Config().app('br', L2Fwd, { age: 5 } as never), /app 'br' \(L2Fwd\): unknown field 'age'; it takes maxEntries, ageMs/);
});

test('MacTable agrees with a Map model under random learn, lookup, ageing and sweeps (backward-shift deletion)', () => {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const t = new MacTable(300, 50);
  const model = new Map<string, { port: number; seen: number }>();
  let now = 0;
  for (let step = 0; step < 200_000; step++) {
    now += rnd(3) === 0 ? 1 : 0;
    // few distinct high halves and clustered low halves: many collisions and long probe runs
    const hi = rnd(4), lo = (rnd(600) * 7) | 0, key = `${hi}:${lo}`;
    const m = model.get(key);
    const live = m !== undefined && now - m.seen <= 50;
    const op = rnd(10);
    if (op < 5) {
      const port = rnd(8);
      const ok = t.learn(hi, lo, port, now);
      if (m) {
        assert.ok(ok);
        model.set(key, { port, seen: now });
      } else if (model.size < 300) {
        assert.ok(ok, 'room: learned');
        model.set(key, { port, seen: now });
      } else {
        assert.ok(!ok, 'full: not learned');
      }
    } else if (op < 9) {
      assert.equal(t.lookup(hi, lo, now), live ? m.port : -1, `lookup ${key} at step ${step}`);
    } else {
      const freed = t.sweep(now, 64);
      // the model drops exactly what the table swept: compare sizes after dropping expired ones
      let expired = 0;
      for (const v of model.values()) if (now - v.seen > 50) expired++;
      assert.ok(freed <= expired);
      if (t.size < model.size) for (const [k, v] of model) if (now - v.seen > 50 && t.lookup(Number(k.split(':')[0]), Number(k.split(':')[1]), v.seen) === -1) model.delete(k);
      assert.equal(t.size, model.size, `size after sweep at step ${step}`);
    }
  }
  assert.ok(t.size > 0);
});

test('L2Fwd: a new ageMs is taken in place (the table survives); a new maxEntries restarts with an empty table', () => {
  const r = bridge();
  assert.deepEqual(send(r, 'p1', eth(BCAST, MB, 0x88b5)), ['p0', 'p2']);
  const next = (cfg: Record<string, unknown>) => {
    const c = new Config().app('l2', L2Fwd, cfg as never).app('c', Collect);
    for (const p of ['p0', 'p1', 'p2']) c.app(`g${p}`, Gen, { burst: 32 }).link(`g${p}.out -> l2.${p}`).link(`l2.${p} -> c.${p}`);
    return c;
  };
  r.engine.configure(next({ ageMs: 60_000 }));
  assert.deepEqual(send(r, 'p0', eth(MB, MA, 0x88b5)), ['p1'], 'B still known after the ageMs change');
  r.engine.configure(next({ ageMs: 60_000, maxEntries: 16 }));
  assert.deepEqual(send(r, 'p2', eth(MB, MC, 0x88b5)), ['p0', 'p1'], 'restarted: B unknown again');
  r.finish();
});
