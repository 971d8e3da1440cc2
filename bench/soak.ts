// soak: >= 1e9 packets through four forwarders over ring and null ports (bench/lib/soak.ts), then the
// count of packets lost plus buffers leaked, which must be 0. Not a speed race: "peer" is none,
// theirs is 1 and ratio = ours, so the JSON line reads 0 when the promise holds. RSS is sampled
// every second (first/last/max in the JSON); the run exits 1 if anything was lost or leaked or RSS
// grew beyond the bound. SOAK_PACKETS overrides the count (default 1e9).
import { soak } from './lib/soak.js';

export const description = 'lost + leaked buffers after >= 1e9 packets through 4 forwarders over ring and null ports (must be 0)';

export default async function main(): Promise<void> {
  const packets = Number(process.env['SOAK_PACKETS'] ?? 1e9);
  if (!Number.isFinite(packets) || packets < 1) throw new Error(`SOAK_PACKETS must be a positive number, got ${process.env['SOAK_PACKETS']}`);
  const r = await soak({
    packets,
    queues: 2,
    onSecond: (f, s) => {
      if (Math.floor(s) % 10 === 0) console.log(`[${s.toFixed(0).padStart(4)} s] ${(f / 1e6).toFixed(0)} M packets, ${(f / s / 1e6).toFixed(2)} Mpps, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`);
    },
  });
  const t = r.traffic;
  console.log(`forwarded ${t.forwarded} in ${t.seconds.toFixed(0)} s (${(t.forwarded / t.seconds / 1e6).toFixed(2)} Mpps); created ${t.created} ` +
    `(seeds ${t.seeded}/${t.expectedSeeded}) = ${t.sunk} sunk + ${t.dropped} dropped + ${t.inRings} in rings at stop; ` +
    `pool ${t.pool.missing} missing, ${t.pool.duplicates} duplicated; ` +
    `rss MiB first ${r.rssMiB.first} last ${r.rssMiB.last} max ${r.rssMiB.max} (growth ${r.rssMiB.growth} over warm-up, bound ${r.rssMiB.bound})`);
  if (!r.ok) {
    console.log(`soak FAILED: ${r.why.join('; ')}`);
    process.exitCode = 1;
  }
  const ours = r.lost + r.leaked;
  console.log(JSON.stringify({
    bench: 'soak', unit: 'lost+leaked', ours, peer: 'none', theirs: 1, ratio: ours,
    packets: t.forwarded, seconds: Math.round(t.seconds), lost: r.lost, leaked: r.leaked, rss_mib: r.rssMiB, ok: r.ok,
  }));
}
