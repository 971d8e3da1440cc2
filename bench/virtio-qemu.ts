// virtio-qemu: our TS forwarder vs dpdk-testpmd on the same two virtio-net NICs in ONE QEMU TCG
// guest boot (vIOMMU + vfio-pci, both NICs on one QEMU hub, io forwarding primed with 32 frames
// per port: testpmd --tx-first / runForwarder txFirst). The guest (test/qemu/guest/bench-node.sh)
// alternates the two, flipping the order every rep; this host side boots it, parses its BENCH
// lines and feeds them to the common harness, whose JSON is the last stdout line.
// TCG emulates the NICs in software, so the numbers are emulator-bound: compare the two sides,
// not against hardware. Env: BENCH_REPS (5), BENCH_SECONDS (5 per run).
import { resolveReps, runBench } from './lib/harness.js';
import { bootGuest, guestSeconds } from './lib/qemu-guest.js';

export const description = 'virtio-net in a QEMU guest (vIOMMU+vfio), io fwd --tx-first: ours (TS) vs dpdk-testpmd (kpps)';

/** BENCH lines of the guest log, per side, in rep order. */
export function parseGuest(log: string): { ours: number[]; theirs: number[] } {
  const out = { ours: [] as number[], theirs: [] as number[] };
  for (const m of log.matchAll(/BENCH rep=(\d+) who=(ours|testpmd) kpps=([0-9.]+)/g)) {
    if (m[1] === '0') continue; // warm-up rep
    (m[2] === 'ours' ? out.ours : out.theirs).push(Number(m[3]));
  }
  return out;
}

export default async function main(): Promise<unknown> {
  const reps = resolveReps();
  const secs = guestSeconds();
  // both sides on the same memory: 'nohuge' (default: testpmd --no-huge, our pool on 4 KiB pages)
  // or 'huge' (hugepages reserved in the guest for both); env BENCH_MEMORY
  const memory = process.env['BENCH_MEMORY'] ?? 'nohuge';
  if (!['huge', 'nohuge'].includes(memory)) throw new Error('BENCH_MEMORY must be huge or nohuge');
  // cost measurements of our side only (docs/virtio.md "Jumbo frames"): BENCH_DATA_ROOM (our pool's
  // data room, default 2048), BENCH_FEATURES_OFF (hex feature bits our driver leaves off, e.g. 8000)
  const room = process.env['BENCH_DATA_ROOM'] ?? '';
  const off = process.env['BENCH_FEATURES_OFF'] ?? '';
  if (!/^[0-9]*$/.test(room) || !/^[0-9a-fA-F]*$/.test(off)) throw new Error('BENCH_DATA_ROOM must be a number of bytes, BENCH_FEATURES_OFF hex bits');
  console.log(`[virtio-qemu] booting one guest: ${reps} reps x (testpmd + ours), ${secs} s each`);
  const log = bootGuest({
    name: 'bench-node', script: 'bench-node.sh', timeout: (reps + 1) * (2 * secs + 50) + 120, show: /BENCH|ours per second|error/,
    append: `ringway.node=${process.execPath} ringway.reps=${reps} ringway.dur=${secs} ringway.memory=${memory}${room ? ` ringway.data_room=${room}` : ''}${off ? ` ringway.features_off=${off}` : ''}`,
  });
  const got = parseGuest(log);
  if (got.ours.length !== reps || got.theirs.length !== reps) {
    throw new Error(`expected ${reps} runs per side, got ours ${got.ours.length}, testpmd ${got.theirs.length}`);
  }
  // Hand the guest's samples to the harness in the order it measured them (it alternates the
  // same way), so the JSON, medians and noise line are the common ones.
  let io = 0, it = 0;
  return runBench({
    name: 'virtio-qemu',
    unit: 'kpps',
    peer: 'dpdk-testpmd io fwd --tx-first, 2 virtio-net (QEMU TCG, vIOMMU + vfio-pci, one hub), 1 forwarding lcore',
    reps,
    ours: async () => got.ours[io++]!,
    theirs: async () => got.theirs[it++]!,
    context: () => ({ seconds: secs, burst: 32, txFirst: 32, memory: memory === 'huge' ? '2 MiB hugepages (both)' : '4 KiB pages (testpmd --no-huge, ours no hugepages)', guest: 'TCG 2 vCPU', ...(room ? { dataRoom: Number(room) } : {}), ...(off ? { featuresOff: `0x${off}` } : {}) }),
  });
}
