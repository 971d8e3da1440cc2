// `ringway top`: attaches to a running datapath's control socket and shows per-queue Mpps, Gbps,
// drops and pool use, refreshed every second (testpmd's stats, `snabb top`).
import { parseArgs } from 'node:util';
import { connectControl, findSocket, LineClient } from '../metrics/control.js';
import { formatRates, rates } from '../metrics/rates.js';
import type { Snapshot } from '../metrics/sources.js';
import { invalid } from '../errors.js';

export async function topCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string' },
      socket: { type: 'string' },
      count: { type: 'string' },
      interval: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const count = values.count !== undefined ? Number(values.count) : Infinity;
  if (!(count >= 1)) throw invalid(`--count '${values.count}' must be a positive number of refreshes`);
  const interval = Number(values.interval);
  if (!(interval > 0)) throw invalid(`--interval '${values.interval}' must be a positive number of seconds`);
  const path = findSocket(values);
  const c = await connectControl(path);
  const cl = new LineClient(c);
  const tty = process.stdout.isTTY && values.count === undefined;
  let stop = false;
  process.once('SIGINT', () => { stop = true; });
  try {
    let prev = (await cl.request<{ snapshot: Snapshot }>({ cmd: 'stats' })).snapshot;
    for (let i = 0; i < count && !stop; i++) {
      await new Promise((r) => setTimeout(r, interval * 1000));
      const cur = (await cl.request<{ snapshot: Snapshot }>({ cmd: 'stats' })).snapshot;
      const head = `ringway top: pid ${cur.pid}, ${path}, ${new Date(cur.time).toISOString().slice(11, 23)} UTC, over ${((cur.time - prev.time) / 1000).toFixed(2)} s`;
      const text = formatRates(rates(prev, cur), head);
      process.stdout.write(tty ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
      prev = cur;
    }
  } finally {
    c.destroy();
  }
  return 0;
}
