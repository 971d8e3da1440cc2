// The README's example (examples/ttl.ts) runs and does what it says: tshark sees every TTL one
// lower and every IPv4 header checksum still valid.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './lib/skip.js';
import { tsharkFields, writeCapture } from './lib/pcap.js';

function ipv4udp(i: number): Uint8Array {
  const f = new Uint8Array(60);
  const dv = new DataView(f.buffer);
  f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  f.set([0x45, 0, 0, 46, 0, i & 0xff, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2], 14);
  let sum = 0;
  for (let k = 14; k < 34; k += 2) sum += dv.getUint16(k);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  dv.setUint16(24, ~sum & 0xffff);
  dv.setUint16(34, 9); dv.setUint16(36, 9); dv.setUint16(38, 26);
  return f;
}

test('examples/ttl.ts (the README pipeline) decrements TTLs in place, checksums stay valid', (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-ex-'));
  try {
    const input = join(dir, 'in.pcap'), output = join(dir, 'out.pcap');
    writeCapture(input, 100, (v, h, i) => { v.u8.set(ipv4udp(i), v.dataOffset(h)); return 60; });
    const ex = new URL('../examples/ttl.js', import.meta.url).pathname;
    const out = execFileSync(process.execPath, [ex, input, output], { encoding: 'utf8' });
    assert.match(out, /^100 packets$/m);
    const rows = tsharkFields(output, ['ip.ttl', 'ip.checksum.status'], dir, ['-o', 'ip.check_checksum:TRUE']);
    assert.equal(rows.length, 100);
    for (const r of rows) assert.equal(r, '63\t1', `ttl 63, checksum good (status 1; 0 = bad): ${r}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
