// Sink (Snabb's basic_apps.Sink, a counter/drop): frees every packet it is given and counts it
// as dropped ('sunk'). The engine's counters give packets in; nothing goes out.
import { App } from '../pipeline/app.js';

export class Sink extends App {
  static override inputs = '*' as const;
  static override outputs = [] as const;
  static override dropReasons = ['sunk'];

  override push(_input: number, hs: Uint32Array, n: number): void {
    this.drop(hs, n, 0);
  }
}
