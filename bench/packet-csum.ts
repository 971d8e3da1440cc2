// packet-csum: the per-packet cost of the checksum benchmark's work (parse Ethernet/IPv4/UDP,
// recompute the IPv4 header and UDP checksums) with the packet library, over 1024 flows in pool
// buffers, 64-byte frames (Mpps; 1000-byte frames and ns/packet in the context). The peer, in
// the same run, is the hand-rolled version a user would write without the library: fixed
// offsets, no bounds checks, a 16-bit getUint16 sum. (The DPDK comparison, testpmd csum fwd, is
// the pipeline-csum benchmark.)
import { Pool, PoolView } from '../src/memory/pool.js';
import { Parsed } from '../src/packet/parse.js';
import { buildInto } from '../src/packet/build.js';
import { CSUM_AT_UDP, l4Checksum, setIpv4HeaderChecksum } from '../src/packet/checksum.js';
import { Result, L3, IP_UDP } from '../src/packet/constants.js';
import { runBench, round3, type BenchResult } from './lib/harness.js';

export const description = 'parse Eth/IPv4/UDP + recompute IPv4 and UDP checksums, packet library vs hand-rolled DataView code (Mpps, 64 B)';

const FLOWS = 1024;
const N = 2_000_000;

function flows(v: PoolView, frameLen: number): Uint32Array {
  const hs = new Uint32Array(FLOWS);
  if (v.allocBurst(hs, FLOWS) !== FLOWS) throw new Error('packet-csum: pool too small');
  hs.forEach((h, i) => buildInto(v, h, { ipv4: { src: 0x0a000000 + i, dst: 0x0a800000 + (i * 7), id: i }, udp: { sport: 1024 + i, dport: 9 }, payload: frameLen - 42 }));
  return hs;
}

function ours(v: PoolView, hs: Uint32Array): number {
  const p = new Parsed();
  let bad = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    if (p.parse(v, hs[i & (FLOWS - 1)]!) !== Result.OK || p.l3Kind !== L3.IPV4 || p.ipProto !== IP_UDP) { bad++; continue; }
    setIpv4HeaderChecksum(p, p.l3);
    const c = l4Checksum(p, 4, p.l3, IP_UDP, p.l4, p.l4Length, CSUM_AT_UDP);
    p.dv.setUint16(p.l4 + 6, c);
  }
  const ns = Number(process.hrtime.bigint() - t0) / N;
  if (bad) throw new Error(`packet-csum: ${bad} frames did not parse`);
  return ns;
}

function naiveSum(dv: DataView, off: number, len: number, s: number): number {
  for (let i = 0; i + 1 < len; i += 2) s += dv.getUint16(off + i);
  if (len & 1) s += dv.getUint8(off + len - 1) << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function handRolled(v: PoolView, hs: Uint32Array): number {
  const dv = v.dv;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const off = v.dataOffset(hs[i & (FLOWS - 1)]!);
    if (dv.getUint16(off + 12) !== 0x0800) continue;
    const ip = off + 14, hl = (dv.getUint8(ip) & 15) * 4;
    if (dv.getUint8(ip + 9) !== 17) continue;
    dv.setUint16(ip + 10, 0);
    dv.setUint16(ip + 10, ~naiveSum(dv, ip, hl, 0) & 0xffff);
    const l4 = ip + hl, len = dv.getUint16(l4 + 4);
    dv.setUint16(l4 + 6, 0);
    const c = ~naiveSum(dv, l4, len, naiveSum(dv, ip + 12, 8, 17 + len)) & 0xffff;
    dv.setUint16(l4 + 6, c === 0 ? 0xffff : c);
  }
  return Number(process.hrtime.bigint() - t0) / N;
}

export default async function run(): Promise<BenchResult> {
  const pool = Pool.create({ name: 'bench-csum', buffers: 4096, hugepages: 'never' });
  const v = pool.view();
  const small = flows(v, 64), big = flows(v, 1000);
  const last: Record<string, number> = {};
  for (let i = 0; i < 3; i++) { ours(v, small); handRolled(v, small); } // warm-up (JIT)
  try {
    return await runBench({
      name: 'packet-csum',
      unit: 'Mpps',
      peer: 'hand-rolled DataView parse + 16-bit checksum loop (no bounds checks), same frames, same run',
      ours: async () => {
        const ns = ours(v, small);
        last['ours_ns_64'] = round3(ns);
        last['ours_ns_1000'] = round3(ours(v, big));
        return 1000 / ns;
      },
      theirs: async () => {
        const ns = handRolled(v, small);
        last['theirs_ns_64'] = round3(ns);
        last['theirs_ns_1000'] = round3(handRolled(v, big));
        return 1000 / ns;
      },
      context: () => ({ flows: FLOWS, packets_per_sample: N, ...last }),
    });
  } finally {
    v.freeBurst(small, FLOWS);
    v.freeBurst(big, FLOWS);
    v.close();
    pool.close();
  }
}
