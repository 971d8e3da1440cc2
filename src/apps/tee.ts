// Tee (Snabb's basic_apps.Tee): every packet goes to each of its outputs ('*': as many as the
// configuration links). Buffers carry no reference count, so the first output gets the original
// and every other output a copy (copy.ts). A copy the pool cannot supply is a drop counted as
// 'nombuf' (the other outputs still get theirs). With no output linked, Tee drops everything as
// 'unconnected'.
//
// Order: copies are made and sent first, the original last, so that the original's burst is
// still intact while it is copied and can then move on to output 0 without a copy of the handles
// (the engine's zero-copy hand-off).
import { App, type AppContext } from '../pipeline/app.js';
import { LINK_CAPACITY, type Link } from '../pipeline/link.js';
import { copyBurst } from './copy.js';
import { unconnected } from './outputs.js';

export class Tee extends App {
  static override inputs = ['in'] as const;
  static override outputs = '*' as const;
  static override dropReasons = ['nombuf'];
  private readonly copies = new Uint32Array(LINK_CAPACITY);
  private readonly none: Link | null;

  constructor(ctx: AppContext, config: unknown) {
    super(ctx, config);
    this.none = ctx.outputs.length === 0 ? unconnected(ctx, 'out') : null;
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const out = this.out, k = out.length;
    if (k === 0) {
      this.none!.send(hs, n);
      return;
    }
    const copies = this.copies;
    for (let j = 1; j < k; j++) {
      const got = copyBurst(this.pool, hs, n, copies);
      if (got < n) this.countDrop(n - got, 0);
      out[j]!.send(copies, got);
    }
    out[0]!.send(hs, n);
  }
}
