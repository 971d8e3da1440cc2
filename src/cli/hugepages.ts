// `ringway hugepages [--show] [--reserve N]`: 2 MiB hugepages for packet pools (dpdk-hugepages.py).
// Pools need no hugetlbfs mount (they use memfd), only reserved pages.
import { parseArgs } from 'node:util';
import { native } from '../native.js';
import { invalid } from '../errors.js';

export function hugepagesCommand(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { show: { type: 'boolean' }, reserve: { type: 'string' } },
    strict: true,
  });
  if (values.reserve !== undefined) {
    const n = Number(values.reserve);
    if (!Number.isInteger(n) || n < 0 || n > 1 << 20) throw invalid(`--reserve '${values.reserve}' must be a page count (0 to 1048576)`);
    native.hugepagesReserve(n);
  }
  const h = native.hugepagesShow();
  process.stdout.write(`hugepages: total=${h.total} free=${h.free} size=${h.sizeKib}kB ` +
    `(${((h.total * h.sizeKib) / 1024).toFixed(0)} MiB reserved, ${((h.free * h.sizeKib) / 1024).toFixed(0)} MiB free)\n`);
  return 0;
}
