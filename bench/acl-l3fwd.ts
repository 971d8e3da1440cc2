// acl-l3fwd: our Acl firewall vs DPDK's l3fwd --lookup=acl on the same rule file (ClassBench
// format: '@' deny rules, then 'R' routes to ports 0 and 1) and the same capture replayed in a
// loop, outputs to null ports, one core each (Mpps forwarded). The deny rules are a seeded
// ClassBench-like set with the rules that would match the capture's flows removed, plus one that
// denies 1/8 of the flows (UDP destination port 2007): every packet is classified against the
// whole set, 7/8 are forwarded on both sides.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Acl } from '../src/apps/acl.js';
import { formatRule, matches } from '../src/apps/nf/acl.js';
import { aclRules } from '../test/lib/nf-corpus.js';
import { MacSwap } from '../src/apps/macswap.js';
import { runBench } from './lib/harness.js';
import { buildL3fwd, measureDpdk } from './lib/dpdk-example.js';
import { flowsPcap, measureOurs } from './lib/nf-bench.js';

export const description = 'ACL firewall, ClassBench-like rules + 2 routes, 1,024 flows, 1 core: our Acl vs DPDK l3fwd --lookup=acl (Mpps)';

export default async () => {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 4);
  const nRules = Number(process.env['BENCH_ACL_RULES'] ?? 1000);
  const dir = mkdtempSync(join(tmpdir(), 'ringway-acl-bench-'));
  const l3fwd = buildL3fwd();
  try {
    const pcap = join(dir, 'in.pcap');
    flowsPcap(pcap);
    const flows = Array.from({ length: 1024 }, (_, i) => ({ src: (10 << 24 | (i >> 8) << 8 | (i & 255)) >>> 0, dst: (198 << 24 | 18 << 16 | (i & 1) << 8 | ((i >> 1) & 255)) >>> 0, sp: 1024 + i, dp: 2000 + (i & 7) }));
    const deny = aclRules(nRules * 2, 31).filter((r) => !flows.some((f) => matches(r, 17, f.src, f.dst, f.sp, f.dp))).slice(0, nRules - 1);
    const lines = [
      ...deny.map((r) => formatRule(r)),
      '@0.0.0.0/0\t0.0.0.0/0\t0 : 65535\t2007 : 2007\t0x11/0xff',
      'R0.0.0.0/0\t198.18.0.0/24\t0 : 65535\t0 : 65535\t0x00/0x00\t0',
      'R0.0.0.0/0\t198.18.1.0/24\t0 : 65535\t0 : 65535\t0x00/0x00\t1',
    ];
    writeFileSync(join(dir, 'r4'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'r6'), 'R0:0:0:0:0:0:0:0/0\t0:0:0:0:0:0:0:0/0\t0 : 65535\t0 : 65535\t0x00/0x00\t0\n');
    // What our pcap loop alone carries (pcap -> MacSwap -> null): the ceiling of `ours` here.
    const passthrough = measureOurs(pcap, MacSwap, {}, ['out'], secs);
    console.log(`  ours pass-through (pcap loop -> MacSwap -> null): ${passthrough.toFixed(2)} Mpps`);
    return await runBench({
      name: 'acl-l3fwd',
      unit: 'Mpps',
      peer: `DPDK 22.11 l3fwd --lookup=acl (built from dpdk-doc sources), ${deny.length + 1} deny rules + 2 routes, net_pcap infinite_rx -> net_null(no-rx), 1 lcore`,
      ours: async () => measureOurs(pcap, Acl, { rulesFile: join(dir, 'r4') }, ['0', '1'], secs),
      theirs: () => measureDpdk(l3fwd.binary, [
        '-l', '1', '--no-pci', '--no-huge', '-m', '1024', '--log-level=lib.eal:error',
        `--vdev=net_pcap0,rx_pcap=${pcap},infinite_rx=1`, '--vdev=net_null0,no-rx=1', '--',
        '-p', '0x3', '--config=(0,0,1),(1,0,1)', '--parse-ptype', '--lookup=acl',
        `--rule_ipv4=${join(dir, 'r4')}`, `--rule_ipv6=${join(dir, 'r6')}`,
      ], [0, 1], 'opackets', secs),
      context: () => ({ ours_passthrough_mpps: Math.round(passthrough * 1000) / 1000, flows: 1024, rules: deny.length + 3, seconds: secs }),
    });
  } finally {
    l3fwd.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
};
