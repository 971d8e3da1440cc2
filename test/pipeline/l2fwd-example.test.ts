// examples/l2fwd.ts runs: broadcast from A floods to the other two ports, B's reply to A goes to
// A's port only (learned), tshark reads every output capture.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInto } from '../../src/packet/build.js';
import { requireTool } from '../lib/skip.js';
import { tsharkFields, writeCapture } from '../lib/pcap.js';

function capture(file: string, frames: Array<{ dst: string; src: string }>): void {
  writeCapture(file, frames.length, (v, h, i) => buildInto(v, h, { eth: frames[i]!, ipv4: { src: '198.18.0.1', dst: '198.18.0.2' }, udp: {}, payload: 18 }));
}

test('examples/l2fwd.ts: floods unknown and broadcast, learns, then forwards unicast to one port', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-l2-'));
  try {
    const A = '02:00:00:00:00:0a', B = '02:00:00:00:00:0b';
    const p = [0, 1, 2].map((i) => join(dir, `p${i}.pcap`));
    capture(p[0]!, [{ dst: 'ff:ff:ff:ff:ff:ff', src: A }]);
    capture(p[1]!, [{ dst: A, src: B }]);
    capture(p[2]!, []);
    const out = execFileSync(process.execPath, [new URL('../../examples/l2fwd.js', import.meta.url).pathname, ...p], { encoding: 'utf8' });
    assert.match(out, /p0\.pcap: 1 in, 1 out/);
    assert.match(out, /p1\.pcap: 1 in, 1 out/);
    assert.match(out, /p2\.pcap: 0 in, 1 out/);
    const rows = (f: string) => tsharkFields(`${f}.out`, ['eth.dst', 'eth.src'], dir).join('\n');
    assert.equal(rows(p[0]!), `${A}\t${B}`, 'B -> A only on A\'s port');
    assert.equal(rows(p[1]!), `ff:ff:ff:ff:ff:ff\t${A}`, 'the broadcast flooded to p1');
    assert.equal(rows(p[2]!), `ff:ff:ff:ff:ff:ff\t${A}`, 'and to p2, never back to p0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
