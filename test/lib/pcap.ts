// Captures for the tests that run an example over pcap files: frames written through our own
// pcap:tx port (the writer the examples' input comes from in real use), and tshark's view of a
// capture as rows of fields (the independent reader).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';

/** Writes `n` frames to `file` through a pcap:tx port: `fill(pool, h, i)` writes frame i into
 *  buffer h (already reset) and returns its length. The pool is closed afterwards. */
export function writeCapture(file: string, n: number, fill: (pool: PoolView, h: number, i: number) => number): void {
  const pool = Pool.create({ buffers: Math.max(256, 2 * n), hugepages: 'never' });
  const w = Port.open(`pcap:tx=${file}`, { pool });
  const hs = new Uint32Array(n);
  assert.equal(w.pool.allocBurst(hs, n), n);
  hs.forEach((h, i) => {
    w.pool.reset(h);
    w.pool.setDataLen(h, fill(w.pool, h, i));
  });
  assert.equal(w.txBurst(0, hs, n), n);
  w.close();
  PoolView.closeThreadViews();
  pool.close();
}

/** tshark's rows for `file`, one tab-separated line of `fields` per frame (`args`: more options,
 *  e.g. a preference). HOME is `home` (a test's temporary folder): tshark keeps no profile there. */
export function tsharkFields(file: string, fields: string[], home: string, args: string[] = []): string[] {
  const out = execFileSync('tshark', ['-r', file, ...args, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', env: { ...process.env, HOME: home } }).trim();
  return out === '' ? [] : out.split('\n');
}
