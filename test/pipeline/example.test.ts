// examples/pipeline.ts, the example docs/pipelines.md shows word for word, runs as written: tshark
// reads every frame of 60 bytes or more with its MACs swapped, and the runts are gone (counted).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '../lib/skip.js';
import { tsharkFields, writeCapture } from '../lib/pcap.js';

const root = new URL('../../../', import.meta.url);

test('docs/pipelines.md shows examples/pipeline.ts as it is', () => {
  const src = readFileSync(new URL('examples/pipeline.ts', root), 'utf8').trim();
  const doc = readFileSync(new URL('docs/pipelines.md', root), 'utf8');
  assert.ok(doc.includes('```ts\n' + src + '\n```'), 'the example in docs/pipelines.md differs from examples/pipeline.ts');
});

test('examples/pipeline.ts drops runts and swaps MACs, tshark agrees', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-pl-'));
  try {
    const input = join(dir, 'in.pcap'), output = join(dir, 'out.pcap');
    writeCapture(input, 100, (v, h, i) => {
      v.u8.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, i + 1, 0x88, 0xb5], v.dataOffset(h));
      return i % 4 === 0 ? 42 : 60 + i; // every fourth a runt
    });
    const ex = new URL('examples/pipeline.js', new URL('dist/', root)).pathname;
    const out = execFileSync(process.execPath, [ex, input, output], { encoding: 'utf8' });
    assert.match(out, /^75 packets written, 25 runts dropped$/m);
    const rows = tsharkFields(output, ['eth.dst', 'eth.src', 'frame.len'], dir);
    assert.equal(rows.length, 75);
    const kept = [...Array(100).keys()].filter((i) => i % 4 !== 0);
    rows.forEach((r, k) => {
      const i = kept[k]!;
      assert.equal(r, `02:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}\t02:00:00:00:00:02\t${60 + i}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
