// router-l3fwd: our Router (LPM, MAC rewrite, TTL and checksum) vs DPDK's l3fwd --lookup=lpm,
// same routes, same capture replayed from a pcap port in a loop (ours: pcap:rx=F,loop=1; theirs:
// net_pcap rx_pcap=F,infinite_rx=1), outputs to null ports, one core each (Mpps forwarded).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router } from '../src/apps/router.js';
import { MacSwap } from '../src/apps/macswap.js';
import { runBench } from './lib/harness.js';
import { buildL3fwd, measureDpdk } from './lib/dpdk-example.js';
import { ROUTER_MAC, flowsPcap, measureOurs } from './lib/nf-bench.js';

export const description = 'IPv4 router, 1,024 flows over 2 routes, 1 core: our Router vs DPDK l3fwd --lookup=lpm (Mpps)';

export default async () => {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 4);
  const dir = mkdtempSync(join(tmpdir(), 'ringway-router-bench-'));
  const l3fwd = buildL3fwd();
  try {
    const pcap = join(dir, 'in.pcap');
    flowsPcap(pcap);
    writeFileSync(join(dir, 'r4'), 'R198.18.0.0/24 0\nR198.18.1.0/24 1\n');
    writeFileSync(join(dir, 'r6'), 'R2001:db8::/32 0\n');
    const config = {
      interfaces: [
        { name: 'if0', mac: ROUTER_MAC, ipv4: '192.0.2.1/24' },
        { name: 'if1', mac: '02:00:00:00:00:11', ipv4: '192.0.3.1/24' },
      ],
      routes: ['198.18.0.0/24 dev if0 via 192.0.2.2', '198.18.1.0/24 dev if1 via 192.0.3.2'],
      neighbours: ['192.0.2.2 02:00:00:00:01:00 dev if0', '192.0.3.2 02:00:00:00:01:01 dev if1'],
      // l3fwd checks the header (RFC 1812) but leaves the checksum to the NIC's RX offload.
      verifyChecksum: false,
    };
    // What our pcap loop alone carries (pcap -> MacSwap -> null): the ceiling of `ours` here.
    const passthrough = measureOurs(pcap, MacSwap, {}, ['out'], secs);
    console.log(`  ours pass-through (pcap loop -> MacSwap -> null): ${passthrough.toFixed(2)} Mpps`);
    return await runBench({
      name: 'router-l3fwd',
      unit: 'Mpps',
      peer: 'DPDK 22.11 l3fwd --lookup=lpm (built from dpdk-doc sources), net_pcap infinite_rx -> net_null(no-rx), 1 lcore',
      ours: async () => measureOurs(pcap, Router, config, ['if0', 'if1'], secs),
      theirs: () => measureDpdk(l3fwd.binary, [
        '-l', '1', '--no-pci', '--no-huge', '-m', '1024', '--log-level=lib.eal:error',
        `--vdev=net_pcap0,rx_pcap=${pcap},infinite_rx=1`, '--vdev=net_null0,no-rx=1', '--',
        '-p', '0x3', '--config=(0,0,1),(1,0,1)', '--parse-ptype', '--lookup=lpm',
        `--rule_ipv4=${join(dir, 'r4')}`, `--rule_ipv6=${join(dir, 'r6')}`,
      ], [0, 1], 'opackets', secs),
      context: () => ({ ours_passthrough_mpps: Math.round(passthrough * 1000) / 1000, flows: 1024, frame: 60, routes: 2, seconds: secs }),
    });
  } finally {
    l3fwd.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
};
