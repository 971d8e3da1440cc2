// pipeline-csum: a pipeline that parses Ethernet/IPv4/UDP and recomputes the IPv4 and UDP
// checksums of every packet (the Csum app), vs dpdk-testpmd --forward-mode=csum (software
// checksums) on the same frames: a pcap of 1,024 flows replayed from memory on both sides (DPDK's
// net_pcap infinite_rx=1, our pcap port loop=1), one core each, same run (Mpps).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from '../src/memory/pool.js';
import type { ConfigJSON } from '../src/pipeline/config.js';
import { runBench } from './lib/harness.js';
import { testpmd } from './lib/testpmd.js';
import { pipelineMpps } from './lib/pipeline.js';
import { writeUdpFlows } from './lib/flows.js';

export const description = 'parse Eth/IPv4/UDP + recompute IPv4 and UDP checksums, pcap replay from memory vs dpdk-testpmd csum fwd (Mpps)';

const FLOWS = 1024;

export default async () => {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 5), warm = 2;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-csum-'));
  const file = join(dir, 'flows.pcap');
  writeUdpFlows(file, FLOWS, 64);
  const config: ConfigJSON = {
    apps: {
      rx: { app: 'PortIn', config: { port: `pcap:rx=${file},loop=1`, burst: 32 } },
      csum: { app: 'Csum' },
      tx: { app: 'PortOut', config: { port: 'null:size=64' } },
    },
    links: ['rx.out -> csum.in', 'csum.out -> tx.in'],
  };
  let memory: 'hugepages' | 'no-huge' | undefined;
  try {
    return await runBench({
      name: 'pipeline-csum',
      unit: 'Mpps',
      peer: `dpdk-testpmd csum fwd (software checksums), net_pcap rx_pcap=${FLOWS} flows x 64 B infinite_rx=1, port-topology loop, burst 32, 1 forwarding lcore`,
      theirs: async () => {
        const r = await testpmd({
          vdevs: [`net_pcap0,rx_pcap=${file},infinite_rx=1`], mode: 'csum', burst: 32, seconds: secs, warmupSeconds: warm,
          extraArgs: ['--port-topology=loop'],
        });
        memory = r.memory;
        console.log(`  testpmd csum: ${r.mpps.toFixed(2)} Mpps (${r.memory}) per second: ${r.perInterval.map((x) => x.toFixed(1)).join(' ')}`);
        return r.mpps;
      },
      ours: async () => {
        const pool = Pool.create({ name: 'bench-csum', buffers: 8192, hugepages: memory === 'no-huge' ? 'never' : 'auto' });
        try {
          return await pipelineMpps(config, 'csum', { secs, warm, pool, label: 'pcap loop -> csum -> null' });
        } finally {
          pool.close();
        }
      },
      context: () => ({ memory, seconds: secs, burst: 32, flows: FLOWS, frame: 64 }),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
