// Join (Snabb's basic_apps.Join): any number of inputs ('*'), one output; forwards every burst
// as it comes. The first burst of a breath moves on without copying its handles (the engine's
// zero-copy hand-off); later ones are appended to the output link.
import { App } from '../pipeline/app.js';

export class Join extends App {
  static override inputs = '*' as const;
  static override outputs = ['out'] as const;

  override push(_input: number, hs: Uint32Array, n: number): void {
    this.out[0]!.send(hs, n);
  }
}
