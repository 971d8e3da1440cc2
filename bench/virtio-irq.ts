// virtio-irq: forwarding under load in adaptive interrupt mode (poll while packets come, sleep on
// the RX interrupts when idle: AdaptiveRx, src/port/irq.ts) vs pure polling, the same forwarder
// (test/qemu/guest/irq-fwd.ts) on the same two virtio-net NICs in ONE QEMU TCG boot (vIOMMU +
// vfio-pci, MSI-X; both NICs on one hub, io forwarding primed with 32 frames per port). Adaptive
// mode must cost nothing under load (it never sleeps while bursts come), so the ratio should be
// ~1. The idle CPU of both modes (no traffic, from /proc/<pid>/stat in the guest) is printed and
// put in the JSON context. Env: BENCH_REPS (5), BENCH_SECONDS (5 per run).
import { resolveReps, runBench } from './lib/harness.js';
import { bootGuest, guestSeconds } from './lib/qemu-guest.js';

export const description = 'virtio-net in a QEMU guest (vIOMMU+vfio, MSI-X), io fwd --tx-first: adaptive interrupt mode vs pure polling (kpps)';

export function parseGuest(log: string): { adaptive: number[]; poll: number[]; idle: Record<string, number> } {
  const out = { adaptive: [] as number[], poll: [] as number[], idle: {} as Record<string, number> };
  for (const m of log.matchAll(/BENCH rep=(\d+) who=(adaptive|poll) kpps=([0-9.]+)/g)) {
    if (m[1] === '0') continue; // warm-up rep
    out[m[2] as 'adaptive' | 'poll'].push(Number(m[3]));
  }
  for (const m of log.matchAll(/BENCH idle who=(adaptive|poll) pct=([0-9.]+)/g)) out.idle[m[1]!] = Number(m[2]);
  return out;
}

export default async function main(): Promise<unknown> {
  const reps = resolveReps();
  const secs = guestSeconds();
  console.log(`[virtio-irq] booting one guest: idle CPU of both modes, then ${reps} reps x (adaptive + poll), ${secs} s each`);
  const log = bootGuest({
    name: 'bench-irq', script: 'bench-irq.sh', timeout: (reps + 1) * (2 * secs + 30) + 180, show: /BENCH|irqfwd|error/,
    append: `ringway.node=${process.execPath} ringway.reps=${reps} ringway.dur=${secs}`,
  });
  const got = parseGuest(log);
  if (got.adaptive.length !== reps || got.poll.length !== reps) {
    throw new Error(`expected ${reps} runs per mode, got adaptive ${got.adaptive.length}, poll ${got.poll.length}`);
  }
  if (got.idle['adaptive'] === undefined || got.idle['poll'] === undefined) throw new Error('the guest printed no idle CPU figures');
  console.log(`[virtio-irq] idle CPU: adaptive ${got.idle['adaptive']}% of a core, pure polling ${got.idle['poll']}%`);
  let ia = 0, ip = 0;
  return runBench({
    name: 'virtio-irq',
    unit: 'kpps',
    peer: 'the same TS forwarder in pure polling mode, same boot (QEMU TCG, vIOMMU + vfio-pci, one hub, --tx-first 32)',
    reps,
    ours: async () => got.adaptive[ia++]!,
    theirs: async () => got.poll[ip++]!,
    context: () => ({ seconds: secs, idleCpuPctAdaptive: got.idle['adaptive'], idleCpuPctPoll: got.idle['poll'], interrupts: 'MSI-X (vfio-pci)', guest: 'TCG 2 vCPU' }),
  });
}
