// PcapWriter: a tap on a link that tshark reads back frame for frame, forwarding the originals;
// with its output unlinked it records and frees. Audit exact in both.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter } from '../../src/apps/index.js';
import { ConfigError } from '../../src/pipeline/schema.js';
import { requireTool } from '../lib/skip.js';
import { Collect, Config, Gen, eth, feeds, hex, seen, start } from './lib.js';

const TSHARK_INSTALL = 'apt-get install -y tshark';

const frames = Array.from({ length: 300 }, (_, i) =>
  eth(`02:00:00:00:00:${(i & 0xff).toString(16).padStart(2, '0')}`, '02:00:00:00:01:01', 0x88b5, Array.from({ length: (i * 53) % 1450 }, (_, k) => (i * 3 + k) & 0xff)));

/** tshark's view of a file: one [frame.len, eth.dst, data] per frame. */
function tshark(file: string, home: string): Array<[number, string, string]> {
  const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len', '-e', 'eth.dst', '-e', 'data.data'], { encoding: 'utf8', env: { ...process.env, HOME: home } });
  return out.trim().split('\n').map((l) => {
    const [len, dst, data] = l.split('\t');
    return [Number(len), dst!, (data ?? '').replaceAll(':', '')];
  });
}

function check(lines: Array<[number, string, string]>): void {
  assert.equal(lines.length, frames.length, 'tshark sees every frame');
  lines.forEach(([len, dst, data], i) => {
    const f = frames[i]!;
    assert.equal(len, f.length, `frame ${i} length`);
    assert.equal(dst, `02:00:00:00:00:${(i & 0xff).toString(16).padStart(2, '0')}`);
    assert.equal(data, hex(f.subarray(14)), `frame ${i} payload`);
  });
}

test('PcapWriter as a tap: tshark reads every frame; the originals go on unchanged', (t) => {
  if (!requireTool(t, 'tshark', TSHARK_INSTALL)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-tap-'));
  try {
    const file = join(dir, 'tap.pcap');
    feeds.set('g', frames);
    const r = start(new Config().app('g', Gen, { burst: 32 }).app('tap', PcapWriter, { file }).app('c', Collect)
      .link('g.out -> tap.in').link('tap.out -> c.in'));
    r.settle();
    assert.deepEqual(seen.get('c')!.get('in'), frames.map(hex));
    const s = r.finish(); // stop closes the port: the file is flushed
    assert.deepEqual(s.apps['tap'], { in: 300, out: 300, dropped: 0, drops: { unconnected: 0, nombuf: 0, 'write-failed': 0 } });
    check(tshark(file, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PcapWriter with its output unlinked records and frees (no copies); a pool too small for copies loses records as nombuf', (t) => {
  if (!requireTool(t, 'tshark', TSHARK_INSTALL)) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-tap-'));
  try {
    const file = join(dir, 'end.pcap');
    feeds.set('g', frames);
    const r = start(new Config().app('g', Gen, { burst: 32 }).app('tap', PcapWriter, { file }).link('g.out -> tap.in'));
    r.settle();
    const s = r.finish();
    assert.deepEqual(s.apps['tap'], { in: 300, out: 300, dropped: 0, drops: { unconnected: 0, nombuf: 0, 'write-failed': 0 } });
    check(tshark(file, dir));

    // As a tap on 40 buffers, bursts of 32 need 32 copies: records are lost, counted. (The port's
    // own buffer cache keeps the copies it freed, so after the first burst there are none to spare.)
    const file2 = join(dir, 'short.pcap');
    feeds.set('g', frames);
    const r2 = start(new Config().app('g', Gen, { burst: 32 }).app('tap', PcapWriter, { file: file2 }).app('c', Collect)
      .link('g.out -> tap.in').link('tap.out -> c.in'), 40);
    r2.settle();
    assert.equal(seen.get('c')!.get('in')!.length, 300, 'every packet still goes on');
    const s2 = r2.finish();
    const recorded = tshark(file2, dir).length;
    assert.ok(s2.apps['tap']!.drops['nombuf']! > 0);
    assert.equal(recorded + s2.apps['tap']!.drops['nombuf']!, 300, 'each lost record counted once');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PcapWriter: bad configurations name the app and the field', () => {
  assert.throws(() => new Config().app('tap', PcapWriter, {} as never), (e: Error) => e instanceof ConfigError && /app 'tap' \(PcapWriter\): field 'file' is required: a string such as "\/tmp\/tap.pcap"/.test(e.message));
  assert.throws(() => new Config().app('tap', PcapWriter, { file: 'a,b.pcap' }), /app 'tap' \(PcapWriter\): field 'file': "a,b.pcap" does not match/);
  // A file that cannot be created: the port's error names the file and the fix.
  feeds.set('g', []);
  assert.throws(() => start(new Config().app('g', Gen).app('tap', PcapWriter, { file: '/nonexistent-dir/x.pcap' }).link('g.out -> tap.in')), /x\.pcap.*cannot create/);
});
