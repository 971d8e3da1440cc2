// pipeline-macswap: rx -> macswap -> tx as three apps of the pipeline engine in one worker on two
// null ports, vs dpdk-testpmd macswap on net_null0/net_null1, one core each, alternating (Mpps).
import { Pool } from '../src/memory/pool.js';
import type { ConfigJSON } from '../src/pipeline/config.js';
import { runBench } from './lib/harness.js';
import { testpmd } from './lib/testpmd.js';
import { pipelineMpps } from './lib/pipeline.js';

export const description = 'rx -> macswap -> tx, three pipeline apps in one worker on null ports vs dpdk-testpmd macswap (Mpps)';

const config: ConfigJSON = {
  apps: {
    rx: { app: 'PortIn', config: { port: 'null:size=64', name: 'a', burst: 32 } },
    swap: { app: 'MacSwap' },
    tx: { app: 'PortOut', config: { port: 'null:size=64', name: 'b' } },
  },
  links: ['rx.out -> swap.in', 'swap.out -> tx.in'],
};

export default () => {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 5), warm = 2;
  let memory: 'hugepages' | 'no-huge' | undefined;
  return runBench({
    name: 'pipeline-macswap',
    unit: 'Mpps',
    peer: 'dpdk-testpmd macswap fwd, net_null0<->net_null1, burst 32, 1 forwarding lcore',
    theirs: async () => {
      const r = await testpmd({ vdevs: ['net_null0', 'net_null1'], mode: 'macswap', burst: 32, seconds: secs, warmupSeconds: warm });
      memory = r.memory;
      console.log(`  testpmd macswap: ${r.mpps.toFixed(2)} Mpps (${r.memory}) per second: ${r.perInterval.map((x) => x.toFixed(1)).join(' ')}`);
      return r.mpps;
    },
    ours: async () => {
      const pool = Pool.create({ name: 'bench-pl', buffers: 8192, hugepages: memory === 'no-huge' ? 'never' : 'auto' });
      try {
        return await pipelineMpps(config, 'tx', { secs, warm, pool, label: 'rx -> macswap -> tx' });
      } finally {
        pool.close();
      }
    },
    context: () => ({ memory, seconds: secs, burst: 32, apps: 3, workers: 1 }),
  });
};
