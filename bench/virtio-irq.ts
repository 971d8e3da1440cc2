// virtio-irq: forwarding under load in adaptive interrupt mode (poll while packets come, sleep on
// the RX interrupts when idle: AdaptiveRx, src/port/irq.ts) vs pure polling, the same forwarder
// (test/qemu/guest/irq-fwd.ts) on the same two virtio-net NICs in ONE QEMU TCG boot (vIOMMU +
// vfio-pci, MSI-X; both NICs on one hub, io forwarding primed with 32 frames per port). Adaptive
// mode must cost nothing under load (it never sleeps while bursts come), so the ratio should be
// ~1. The idle CPU of both modes (no traffic, from /proc/<pid>/stat in the guest) is printed and
// put in the JSON context. Env: BENCH_REPS (5), BENCH_SECONDS (5 per run).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveReps, runBench } from './lib/harness.js';
import { findOnPath } from '../test/lib/skip.js';

export const description = 'virtio-net in a QEMU guest (vIOMMU+vfio, MSI-X), io fwd --tx-first: adaptive interrupt mode vs pure polling (kpps)';

const qemuDir = fileURLToPath(new URL('../../test/qemu/', import.meta.url));

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
  if (!findOnPath('qemu-system-x86_64')) throw new Error('qemu-system-x86_64 missing; install with: apt-get install -y qemu-system-x86 busybox-static kmod cpio');
  const reps = resolveReps();
  const secs = Number(process.env['BENCH_SECONDS'] ?? 5);
  if (!Number.isInteger(secs) || secs < 1) throw new Error('BENCH_SECONDS must be a positive integer');
  const lab = process.env['RINGWAY_QEMU_LAB'] ?? `${qemuDir}lab`;
  if (!existsSync(`${lab}/initramfs.cpio.gz`)) {
    const b = spawnSync('bash', [`${qemuDir}build-guest.sh`], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('test/qemu/build-guest.sh failed');
  }
  console.log(`[virtio-irq] booting one guest: idle CPU of both modes, then ${reps} reps x (adaptive + poll), ${secs} s each`);
  const r = spawnSync('bash', [`${qemuDir}boot.sh`, `${qemuDir}guest/bench-irq.sh`], {
    env: {
      ...process.env, NICS: 'viommu', TOPO: 'pair', NAME: 'bench-irq', TIMEOUT: String((reps + 1) * (2 * secs + 30) + 180),
      APPEND: `ringway.node=${process.execPath} ringway.reps=${reps} ringway.dur=${secs}`,
    },
    encoding: 'utf8',
  });
  const log = readFileSync(`${lab}/out/bench-irq.log`, 'utf8');
  for (const l of log.split(/\r?\n/)) if (/BENCH|irqfwd|error/.test(l)) console.log(l.replace(/^\[[ 0-9.]*\] /, ''));
  if (r.status !== 0) throw new Error(`guest benchmark failed (boot.sh status ${r.status}); log: ${lab}/out/bench-irq.log`);
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
