// MacSwap against a byte-level reference, over packets whose data starts at every alignment: the
// word loop (data 4-aligned) and the second pass (a prepend of 1-3 bytes) in the same bursts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { MacSwap } from '../../src/apps/index.js';
import { App } from '../../src/pipeline/app.js';
import { prepend } from '../../src/packet/buffer.js';
import { Collect, Config, Gen, feeds, hex, seen, start } from './lib.js';

/** Moves packet k's start k % 4 bytes into the headroom and fills those bytes with k. */
class Shift extends App {
  private k = 0;
  override push(_i: number, hs: Uint32Array, n: number): void {
    for (let j = 0; j < n; j++, this.k++) {
      const by = this.k % 4, o = prepend(this.pool, hs[j]!, by);
      assert.ok(o >= 0);
      this.pool.u8.fill(this.k & 0xff, o, o + by);
    }
    this.out[0]!.send(hs, n);
  }
}

test('MacSwap swaps the 6-byte addresses at every data alignment and leaves every other byte alone', () => {
  const frames = Array.from({ length: 1000 }, (_, i) => Uint8Array.from({ length: 60 + ((i * 29) % 200) }, (_, b) => (i * 7 + b * 13 + (b >> 3)) & 0xff));
  feeds.set('g', frames);
  const r = start(new Config().app('g', Gen, { burst: 32 }).app('shift', Shift).app('swap', MacSwap).app('c', Collect)
    .link('g.out -> shift.in').link('shift.out -> swap.in').link('swap.out -> c.in'));
  r.settle();
  const want = frames.map((fr, k) => {
    const by = k % 4, b = Uint8Array.from([...new Array<number>(by).fill(k & 0xff), ...fr]);
    const d = b.slice(0, 6);
    b.copyWithin(0, 6, 12);
    b.set(d, 6);
    return hex(b);
  });
  const got = seen.get('c')!.get('in')!;
  assert.equal(got.length, frames.length);
  for (let k = 0; k < frames.length; k++) assert.equal(got[k], want[k], `packet ${k} (data offset ${k % 4} bytes early)`);
  const s = r.finish();
  assert.deepEqual([s.apps['swap']!.in, s.apps['swap']!.out], [1000, 1000]);
});
