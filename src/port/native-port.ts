// Natively driven ports (pcap, virtio): one N-API crossing per burst, a plain function taking
// three numbers (this thread's attachment slot, queue, count). Handles travel through queue q's
// exchange area in the port's shared block.
import { native } from '../native.js';
import type { Backend } from './backend.js';
import type { Port } from './port.js';
import * as L from './layout.js';
import { TxWait } from './tx-wait.js';

export class NativeBackend implements Backend {
  /** this thread's attachment slot (native_attach), -1 once closed */
  private slot: number;
  private readonly x: Uint32Array[] = [];
  private readonly u32: Uint32Array;
  private readonly rxErrIdx: number;
  private readonly rxErr: Uint8Array;

  /** Devices are polled like DPDK's PMDs: an idle poller keeps polling instead of napping,
   *  because a 1 ms nap is longer than a ring's worth of packets at NIC rates. */
  private readonly spin: boolean;
  /** virtio TX back-pressure: bounded spin with a short yield, never a 1 ms nap (tx-wait.ts) */
  private readonly txWait = new TxWait((ms) => Atomics.wait(napCell, 0, 0, ms));

  constructor(private readonly p: Port) {
    this.spin = p.kind === 'virtio';
    this.u32 = new Uint32Array(p.block);
    this.rxErrIdx = (L.PORT_Q_OFF + L.PORT_Q_RX_ERR) >> 2;
    this.rxErr = new Uint8Array(p.queues);
    this.slot = native.nativeAttach(p.id);
    for (let q = 0; q < p.queues; q++) {
      this.x.push(new Uint32Array(p.block, L.PORT_Q_OFF + q * L.PORT_Q_SIZE + L.PORT_Q_XCHG, L.PORT_XCHG_MAX));
    }
  }

  rx(q: number, hs: Uint32Array, n: number): number {
    const x = this.x[q];
    if (x === undefined) return 0;
    const got = nativeRxBurst(this.slot, q, n < x.length ? n : x.length);
    for (let k = 0; k < got; k++) hs[k] = x[k]!;
    if (got === 0 && this.rxErr[q] === 0 && this.u32[this.rxErrIdx + q * (L.PORT_Q_SIZE >> 2)] !== 0) this.reportRxError(q);
    return got;
  }

  tx(q: number, hs: Uint32Array, n: number): number {
    const x = this.x[q];
    if (x === undefined) return 0;
    if (n > x.length) n = x.length;
    for (let k = 0; k < n; k++) x[k] = hs[k]!;
    return nativeTxBurst(this.slot, q, n);
  }

  /** RX stopped on an error (PORT_Q_RX_ERR, checked only on an empty burst): say so once, with
   *  the core's reason (e.g. the pcap file, byte offset and what is corrupt). */
  private reportRxError(q: number): void {
    this.rxErr[q] = 1;
    let why = 'unknown error';
    try {
      why = this.p.rxError(q) ?? why;
    } catch {
      // closed meanwhile: report without the reason
    }
    process.emitWarning(`ringway: port ${this.p.desc.spec} queue ${q}: RX stopped: ${why} (counted in ierrors)`, { code: 'RINGWAY_PORT_RX_ERROR' });
  }

  waitRx(_q: number, timeoutMs: number): void {
    if (this.spin) return;
    // files are polled; nap briefly instead of spinning
    Atomics.wait(napCell, 0, 0, Math.min(timeoutMs, 1));
  }

  waitTx(_q: number, timeoutMs: number): void {
    if (this.spin) return this.txWait.wait();
    Atomics.wait(napCell, 0, 0, Math.min(timeoutMs, 1));
  }

  close(): void {
    if (this.slot >= 0) native.nativeDetach(this.slot);
    this.slot = -1;
  }
}

const { nativeRxBurst, nativeTxBurst } = native;
const napCell = new Int32Array(new SharedArrayBuffer(4));
