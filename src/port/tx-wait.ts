// How a sender waits for TX room on a polled device (virtio): the room comes back only as the
// device completes what it was given, and the next txBurst reclaims it. A 1 ms nap is far longer
// than a 256-slot ring lasts at line rate (256 packets at ~1 Mpps is 0.25 ms), so the RX ring on
// the other side overflows while the sender sleeps. So: spin (return at once; the caller retries
// txBurst) for `spins` calls, then yield the CPU for `yieldMs` (a futex wait of tens of
// microseconds: lets a sibling thread, e.g. the hypervisor's or the device's, run), and spin
// again. Bounded: the caller's own loop ends on stop, and no single wait is longer than yieldMs.

export const TX_SPINS = 64;
export const TX_YIELD_MS = 0.02;

export class TxWait {
  private calls = 0;
  constructor(
    private readonly nap: (ms: number) => void,
    private readonly spins = TX_SPINS,
    private readonly yieldMs = TX_YIELD_MS,
  ) {}

  /** One back-pressure wait: usually nothing (spin), every `spins`-th call a short yield. */
  wait(): void {
    if (++this.calls < this.spins) return;
    this.calls = 0;
    this.nap(this.yieldMs);
  }
}
