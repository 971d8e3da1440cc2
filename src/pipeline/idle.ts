// The engine's idle step, taken when every source came up empty for a while: sleep until traffic
// may have arrived, watching every source, not just the first. A forwarder has two (rx on port a,
// rx on port b): sleeping on a alone would leave b's traffic waiting for the whole timeout (and a
// ring or NIC behind b filling up meanwhile).
//
// How: each source sleeps for an equal slice of the timeout in turn (its own wait: a ring's
// futex, a device's nap, a virtio poller's immediate return), and before each slice every
// source's cheap `hasTraffic()` check (packets already waiting) ends the wait at once. Trade-off: a
// source's traffic waits at most timeout / n instead of timeout, and the total sleep per idle step
// (so idle CPU) is what it was; a single wait on all sources at once (one futex or poll() over
// every ring and interrupt fd) would wake on the first packet anywhere but needs every backend to
// expose a common waitable, which they do not have yet.
import type { App } from './app.js';

export function idleAll(idlers: readonly App[], timeoutMs: number): void {
  const n = idlers.length;
  if (n === 0) return;
  if (n === 1) {
    idlers[0]!.idle!(timeoutMs);
    return;
  }
  const slice = timeoutMs / n;
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) if (idlers[j]!.hasTraffic?.() === true) return;
    idlers[k]!.idle!(slice);
  }
}
