// policer-qos-meter: our Policer (srTCM, 256 per-flow meters) vs DPDK's qos_meter example
// (srTCM colour-blind, 256 flows, built from dpdk-doc sources), same parameters (CIR 46 MB/s,
// CBS 2048, EBS 2048: qos_meter's compiled-in profile), same capture replayed in a loop, one core
// each. Unit: packets METERED per second (received by the app), since qos_meter re-marks red
// packets and sends them on while our Policer drops them: the work per packet is the metering.
// qos_meter picks the flow from one packet byte (the IPv4 destination's last byte), ours from the
// Toeplitz hash of the 5-tuple (more work on our side).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Policer } from '../src/apps/policer.js';
import { runBench } from './lib/harness.js';
import { buildExample, measureDpdk } from './lib/dpdk-example.js';
import { flowsPcap, measureOurs } from './lib/nf-bench.js';

export const description = 'srTCM policer, 256 flow meters, 1,024 flows, 1 core: our Policer vs DPDK qos_meter (M packets metered/s)';

export default async () => {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'ringway-policer-bench-'));
  // Virtual PMDs refuse RX checksum offload and RSS: qos_meter asks for both.
  const qm = buildExample('qos_meter', {
    'main.c': (s) => s.replace('.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,', '.offloads = 0,').replace('.mq_mode\t= RTE_ETH_MQ_RX_RSS,', '.mq_mode\t= RTE_ETH_MQ_RX_NONE,'),
  });
  try {
    const pcap = join(dir, 'in.pcap');
    flowsPcap(pcap);
    return await runBench({
      name: 'policer-qos-meter',
      unit: 'Mpps',
      peer: 'DPDK 22.11 qos_meter (srTCM colour-blind, 256 flows; built from dpdk-doc sources), net_pcap infinite_rx -> net_null(no-rx), 1 lcore',
      ours: async () => measureOurs(pcap, Policer, { unit: 'bits', cir: 46e6 * 8, cbs: 2048, ebs: 2048, flows: 256 }, ['out'], secs, 1, 'in'),
      theirs: () => measureDpdk(qm.binary, [
        '-l', '1', '--no-pci', '--no-huge', '-m', '1024', '--log-level=lib.eal:error',
        `--vdev=net_pcap0,rx_pcap=${pcap},infinite_rx=1`, '--vdev=net_null0,no-rx=1', '--', '-p', '0x3',
      ], [0], 'ipackets', secs),
      context: () => ({ flows: 1024, meters: 256, cir_bytes_per_s: 46e6, cbs: 2048, ebs: 2048, seconds: secs }),
    });
  } finally {
    qm.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
};
