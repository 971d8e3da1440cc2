// `ringway stats --json`: one snapshot of a running datapath's counters, for scripts.
import { parseArgs } from 'node:util';
import { connectControl, findSocket, LineClient } from '../metrics/control.js';
import type { Snapshot } from '../metrics/sources.js';

export async function statsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { name: { type: 'string' }, socket: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const c = await connectControl(findSocket(values));
  try {
    const s = (await new LineClient(c).request<{ snapshot: Snapshot }>({ cmd: 'stats' })).snapshot;
    if (values.json) {
      process.stdout.write(JSON.stringify(s) + '\n');
    } else {
      for (const p of s.ports) {
        p.queues.forEach((q, i) => process.stdout.write(`port ${p.name} queue ${i}: ipackets=${q.ipackets} ibytes=${q.ibytes} ` +
          `imissed=${q.imissed} rx_nombuf=${q.rxNombuf} ierrors=${q.ierrors} opackets=${q.opackets} obytes=${q.obytes} oerrors=${q.oerrors}\n`));
      }
      for (const p of s.pools) process.stdout.write(`pool ${p.name}: in_use=${p.inUse} free=${p.free} total=${p.total}\n`);
    }
  } finally {
    c.destroy();
  }
  return 0;
}
