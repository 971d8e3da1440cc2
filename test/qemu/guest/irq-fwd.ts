// Guest-side helper (cases-irq.sh, bench/virtio-irq.ts): a one-thread forwarder between two
// virtio ports (queue 0, both directions) in one of three idle modes:
//   poll      spin on both ports (PMD style: what ringway fwd does today)
//   adaptive  AdaptiveRx: poll while packets come, sleep on both ports' RX interrupts when idle
//   async     the same, but the idle sleep is `await waitRxAsync(...)`: the event loop runs on
//             meanwhile. To show it without a timer (every wake-up costs CPU the idle
//             measurement sees: a 100 ms timer took the idle forwarder to 3.9% of a core under
//             TCG, a 1 s one to 1.55%), SIGUSR1 prints "usr1 waiting=1" when its handler ran on
//             the event loop while an async wait was pending
// Prints "ready", then on SIGTERM (or after --seconds) one line
//   "irqfwd mode=M fwd=N sleeps=S a_irq=KIND/SLEEPS/WAKEUPS b_irq=... ticks=T"
// and the pool audit. --tx-first N: send N 64-byte frames on both ports first (benchmark load).
//
//   node dist/test/qemu/guest/irq-fwd.js SPEC_A SPEC_B MODE [--seconds S] [--tx-first N]
import { Pool } from '../../../src/memory/pool.js';
import { Port } from '../../../src/port/port.js';
import { AdaptiveRx, irqInfo, waitRxAsync } from '../../../src/port/irq.js';

const args = process.argv.slice(2);
const [specA, specB, mode] = args;
const opt = (k: string) => { const i = args.indexOf(k); return i < 0 ? undefined : Number(args[i + 1]); };
const seconds = opt('--seconds'), txFirst = opt('--tx-first') ?? 0;
if (!['poll', 'adaptive', 'async'].includes(mode ?? '')) throw new Error(`mode ${mode}: poll | adaptive | async`);
const pool = Pool.create({ name: 'guest-irq', buffers: 4096 });
const a = Port.open(specA!, { pool }), b = Port.open(specB!, { pool });
const hs = new Uint32Array(32);
const v = a.pool;
const list = [[a, 0], [b, 0]] as const;
// Idle sleeps end on an interrupt, a signal (poll(2) returns EINTR, so SIGTERM is seen at once in
// adaptive mode) or this timeout. Long, because every timeout wake-up costs the idle forwarder
// (measured under TCG on a loaded host: ~20 ms of guest CPU each, i.e. 1% of a core at one
// wake-up per 2 s); DPDK's l3fwd-power sleeps with no timeout at all.
const SLEEP_MS = 10_000;
const ad = mode === 'adaptive' ? new AdaptiveRx(list, { sleepMs: SLEEP_MS }) : undefined;
let fwd = 0, stop = false, ticks = 0, asyncSleeps = 0;
process.on('SIGTERM', () => { stop = true; });
if (seconds !== undefined) setTimeout(() => { stop = true; }, seconds * 1000);
let waiting = false;
process.on('SIGUSR1', () => { ticks++; console.log(`usr1 waiting=${waiting ? 1 : 0}`); });

function pass(from: Port, to: Port): number {
  const n = from.rxBurst(0, hs);
  if (n === 0) return 0;
  const sent = to.txBurst(0, hs, n);
  if (sent < n) v.freeBurst(hs, n - sent, sent);
  fwd += sent;
  return n;
}
for (const p of [a, b]) {
  // testpmd --tx-first: prime the loop with frames (broadcast, so the hub delivers them)
  for (let k = 0; k < txFirst; k += 32) {
    const n = v.allocBurst(hs, Math.min(32, txFirst - k));
    for (let i = 0; i < n; i++) {
      v.reset(hs[i]!);
      const o = v.dataOffset(hs[i]!);
      v.u8.fill(0, o, o + 64); v.u8.fill(0xff, o, o + 6); v.u8[o + 12] = 0x88; v.u8[o + 13] = 0xb6;
      v.setDataLen(hs[i]!, 64);
    }
    const s = p.txBurst(0, hs, n);
    if (s < n) v.freeBurst(hs, n - s, s);
  }
}

async function loop(): Promise<void> {
  let empty = 0;
  while (!stop) {
    const t0 = performance.now();
    // a slice of work, then yield to the event loop (signals, timers)
    for (let k = 0; !stop; k++) {
      const n = pass(a, b) + pass(b, a);
      if (ad) { if (ad.polled(n)) break; }
      else if (mode === 'async') {
        empty = n === 0 ? empty + 1 : 0;
        if (empty >= 300) { asyncSleeps++; waiting = true; const r = await waitRxAsync(list, SLEEP_MS); waiting = false; empty = r === 0 ? 300 : 0; break; }
      }
      if ((k & 63) === 63 && performance.now() - t0 > 50) break;
    }
    await new Promise<void>((r) => setImmediate(r));
  }
  const ia = irqInfo(a), ib = irqInfo(b);
  console.log(`irqfwd mode=${mode} fwd=${fwd} sleeps=${ad?.sleeps ?? asyncSleeps} a_irq=${ia.kind}/${ia.sleeps}/${ia.wakeups} ` +
    `b_irq=${ib.kind}/${ib.sleeps}/${ib.wakeups} ticks=${ticks}`);
  a.close(); b.close();
  const audit = pool.audit();
  console.log(`audit missing=${audit.missing} duplicates=${audit.duplicates}`);
  pool.close();
}
console.log('ready');
void loop();
