#!/usr/bin/env node
// `ringway` command: one file per subcommand; this file only dispatches.
import { fwdCommand } from './fwd.js';

const HELP = `ringway — user-space packet datapath for Node.js

usage: ringway <command> [options]

commands:
  fwd        forward between two ports (default: two null ports, no NIC, no root)
             --a SPEC --b SPEC --queues N --mode io|macswap --burst N --duration SECONDS
             port specs: null:size=64  ring:NAME  pcap:rx=in.pcap,tx=out.pcap,loop=1
  help       this text
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'fwd':
      return fwdCommand(rest);
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
