// Interrupt mode for virtio RX queues (crates/core/src/virtio/irq.rs, docs/virtio.md
// "Interrupts"). Three ways to wait for packets instead of spinning:
//   waitRxIrq(list, ms)       sleeps this thread in poll(2) (a worker's idle path);
//   waitRxAsync(list, ms)     sleeps a libuv thread-pool thread and resolves a promise, so the
//                             asking thread's event loop keeps running;
//   AdaptiveRx                DPDK l3fwd-power's policy: poll while packets come, and after
//                             `spins` empty polls in a row arm the interrupts and sleep.
// The device is asked for notifications only while a waiter sleeps (virtio 1.2 §2.7.7 with
// EVENT_IDX: used_event), so a loaded queue costs nothing over pure polling.
import { native } from '../native.js';
import { invalid } from '../errors.js';
import type { Port } from './port.js';

/** A (port, RX queue) to wait on. */
export type RxQueueRef = readonly [Port, number];

export interface IrqInfo {
  /** 'off' until the port first waited; 'intx' (uio_pci_generic) or 'msix' (vfio-pci) */
  kind: string;
  /** times a waiter slept */
  sleeps: number;
  /** sleeps that an interrupt ended (the others timed out) */
  wakeups: number;
}

function pairs(list: readonly RxQueueRef[]): number[] {
  if (list.length === 0) throw invalid('waitRx: no queues to wait on');
  const out: number[] = [];
  for (const [p, q] of list) {
    if (p.kind !== 'virtio') throw invalid(`port ${p.descriptor().spec}: interrupt waits are for virtio ports (this is ${p.kind})`);
    if (!(Number.isInteger(q) && q >= 0 && q < p.queues)) throw invalid(`port ${p.descriptor().spec}: no RX queue ${q}`);
    out.push(p.id, q);
  }
  return out;
}

function timeout(ms: number): number {
  if (ms === Infinity || ms < 0) return -1;
  if (!Number.isFinite(ms)) throw invalid(`timeout ${ms}: use milliseconds, or Infinity`);
  return Math.min(Math.ceil(ms), 0x7fffffff);
}

/** Sleep this thread until a queue of `list` has packets, its interrupt fires, or `timeoutMs`.
 *  Returns how many of the queues have packets waiting (0: timed out). */
export function waitRxIrq(list: readonly RxQueueRef[], timeoutMs: number): number {
  return native.portWaitRx(pairs(list), timeout(timeoutMs));
}

/** As waitRxIrq, without blocking this thread: the sleep runs on the libuv thread pool. */
export function waitRxAsync(list: readonly RxQueueRef[], timeoutMs: number): Promise<number> {
  return native.portWaitRxAsync(pairs(list), timeout(timeoutMs));
}

export function irqInfo(p: Port): IrqInfo {
  return native.portIrqInfo(p.id);
}

export interface AdaptiveOptions {
  /** empty polls in a row before the clock is looked at (default 64) */
  spins?: number;
  /** how long the queues must have been empty before sleeping, µs (default 5000: under QEMU TCG
   *  the device's gaps between bursts reach milliseconds at full load, and a sleep costs an
   *  interrupt and a thread wake, so a shorter threshold sleeps under load; l3fwd-power likewise
   *  waits for a run of idle polls before it arms) */
  idleUs?: number;
  /** longest sleep, ms (default 100: a stop request is seen within it) */
  sleepMs?: number;
}

/** Poll under load, sleep on the queues' interrupts when idle. Call `polled(n)` after each
 *  round of RX bursts with what it received; it sleeps once the queues stayed empty for `idleUs`. */
export class AdaptiveRx {
  private empty = 0;
  private since = 0;
  private readonly spins: number;
  private readonly idleMs: number;
  private readonly sleepMs: number;
  private readonly ids: number[];
  sleeps = 0;

  constructor(list: readonly RxQueueRef[], o: AdaptiveOptions = {}) {
    this.ids = pairs(list);
    this.spins = o.spins ?? 64;
    this.idleMs = (o.idleUs ?? 5000) / 1000;
    this.sleepMs = timeout(o.sleepMs ?? 100);
    if (!(Number.isInteger(this.spins) && this.spins >= 1)) throw invalid(`spins ${o.spins}: use an integer >= 1`);
  }

  /** Returns true when it slept (the caller may want to look at its stop flag). A sleep that
   *  timed out with nothing waiting goes straight back to sleep on the next empty poll. */
  polled(n: number): boolean {
    if (n !== 0) {
      this.empty = 0;
      return false;
    }
    if (++this.empty < this.spins) return false;
    const now = performance.now();
    if (this.empty === this.spins) { this.since = now; return false; }
    this.empty = this.spins;
    if (now - this.since < this.idleMs) return false;
    this.sleeps++;
    const ready = native.portWaitRx(this.ids, this.sleepMs);
    // timed out with nothing there: stay "idle since long ago"; else poll afresh
    this.empty = ready === 0 ? this.spins : 0;
    if (ready === 0) this.since = -Infinity;
    return true;
  }
}
