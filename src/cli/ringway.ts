#!/usr/bin/env node
// `ringway` command: one file per subcommand; this file only dispatches.
import { fwdCommand } from './fwd.js';
import { runCommand } from './run.js';
import { devicesCommand } from './devices.js';
import { bindCommand, unbindCommand } from './bind.js';
import { hugepagesCommand } from './hugepages.js';
import { topCommand } from './top.js';
import { statsCommand } from './stats.js';
import { captureCommand } from './capture.js';
import { native, memoryMode } from '../native.js';

const HELP = `ringway — user-space packet datapath for Node.js

usage: ringway <command> [options]

commands:
  fwd        forward between two ports (default: two null ports, no NIC, no root)
             --a SPEC --b SPEC --queues N --mode io|macswap --burst N --duration SECONDS
             --tx-first N (send N frames on each port first, like testpmd --tx-first)
             --cpus LIST (pin worker q to the q-th CPU of LIST, e.g. 1 or 2,3 or 0-3; DPDK's -l)
             --metrics HOST:PORT (serve Prometheus /metrics; default off)
             --control NAME (control socket name; default ringway, or ringway-PID if taken) | --no-control
             port specs: null:size=64  ring:NAME  pcap:rx=in.pcap,tx=out.pcap,loop=1
                         virtio:0000:00:10.0[,transport=legacy]
                         af_packet:IFACE  tap:NAME  af_xdp:IFACE[,queue=N][,mode=auto|native|skb][,zerocopy=auto|on|off]
  run        ringway run FILE: a pipeline from a module (.js; .ts where Node strips types) whose
             default export builds a Config, or a JSON configuration {"apps":{...},"links":[...]}
             --queues N (one worker per queue) --cpus LIST (pin them) --duration SECONDS --args JSON (to the builder)
             --dot | --mermaid (print the graph and exit)
             --metrics 127.0.0.1:9091 (Prometheus /metrics)  --control NAME (for ringway top)
  devices    PCI network devices (driver, IOMMU group, usable and how) and kernel interfaces
             (driver, queues, af_packet / af_xdp native|skb / tap)  [--json] [--kernel]
  bind       ringway bind BDF --driver vfio-pci|uio_pci_generic   (root; loads the module)
  unbind     ringway unbind BDF   back to the kernel driver (root)
  hugepages  --show | --reserve N   2 MiB hugepages for packet pools (root to reserve)
  top        live per-queue Mpps, Gbps, drops, pool use of a running datapath
             [--name NAME | --socket PATH] [--count N] [--interval SECONDS]
  stats      one snapshot of a running datapath's counters  [--json] [--name NAME]
  capture    --port P [--queue Q] [-c N | --seconds S] -w FILE.pcapng [--snaplen N] [--name NAME]
             mirror what a port queue receives into pcapng, without stopping the datapath
  version    ringway and Node versions, and how packet memory is viewed (--version)
  help       this text
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'fwd':
      return fwdCommand(rest);
    case 'run':
      return runCommand(rest);
    case 'devices':
      return devicesCommand(rest);
    case 'bind':
      return bindCommand(rest);
    case 'unbind':
      return unbindCommand(rest);
    case 'hugepages':
      return hugepagesCommand(rest);
    case 'top':
      return topCommand(rest);
    case 'stats':
      return statsCommand(rest);
    case 'capture':
      return captureCommand(rest);
    case 'version':
    case '--version':
    case '-V':
      // the memory mode says which view kind this Node gives (docs/memory-model.md)
      process.stdout.write(
        `ringway ${native.version()} (node ${process.version}, Node-API ${process.versions.napi}; ` +
          `memory views: ${memoryMode === 'shared' ? 'shared (SharedArrayBuffer)' : 'external (ArrayBuffer)'})\n`,
      );
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`ringway: unknown command '${cmd}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: Error & { code?: string }) => {
    process.stderr.write(`ringway: ${e.code ? `[${e.code}] ` : ''}${e.message}\n`);
    process.exitCode = 1;
  },
);
