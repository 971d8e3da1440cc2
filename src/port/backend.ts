// What a port backend implements. One instance per thread per port.
export interface Backend {
  rx(q: number, handles: Uint32Array, n: number): number;
  tx(q: number, handles: Uint32Array, n: number): number;
  waitRx(q: number, timeoutMs: number): void;
  waitTx(q: number, timeoutMs: number): void;
  /** Packets waiting in queue q's RX ring, where there is one to count (metrics). */
  rxCount?(q: number): number;
  /** lastEnd: this was the last user of shared state (drain it). */
  close(lastEnd: boolean): void;
}
