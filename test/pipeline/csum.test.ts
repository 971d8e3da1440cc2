// The Csum app (testpmd's csum engine in software): frames with wrong IPv4 and UDP/TCP checksums
// come out with correct ones (checked by the packet library's validators and by recomputation);
// a frame that does not parse goes on untouched and is counted as 'malformed'.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App, Config, Csum, Engine, Pool, Parsed, Result, buildInto, checksum, type FrameSpec } from '../../src/index.js';

test('Csum fixes IPv4 header and UDP/TCP checksums over IPv4 and IPv6, forwards malformed frames untouched', () => {
  const pool = Pool.create({ buffers: 1024, hugepages: 'never' });
  const specs: FrameSpec[] = [
    { ipv4: { src: '198.18.0.1', dst: '198.19.0.1', checksum: 0x1234 }, udp: { sport: 1, dport: 2, checksum: 0x4321 }, payload: 18 },
    { ipv4: { src: '198.18.0.2', dst: '198.19.0.2', checksum: 0 }, tcp: { sport: 3, dport: 4, checksum: 7 }, payload: 10 },
    { ipv6: { src: '2001:db8::1', dst: '2001:db8::2' }, udp: { sport: 5, dport: 6, checksum: 9 }, payload: 30 },
  ];
  const out: number[] = [];
  class Grab extends App {
    static override outputs = [] as const;
    override push(_i: number, hs: Uint32Array, n: number): void { for (let k = 0; k < n; k++) out.push(hs[k]!); }
  }
  class Feed extends App {
    static override inputs = [] as const;
    private done = false;
    override pull(): number {
      if (this.done) return 0;
      this.done = true;
      const hs = new Uint32Array(specs.length + 1);
      this.pool.allocBurst(hs, hs.length);
      specs.forEach((s, i) => this.pool.setDataLen(hs[i]!, buildInto(this.pool, hs[i]!, s)));
      const bad = hs[specs.length]!; // an IPv4 header cut short: 14 + 10 bytes
      buildInto(this.pool, bad, specs[0]!);
      this.pool.setDataLen(bad, 24);
      this.out[0]!.send(hs, hs.length);
      return hs.length;
    }
  }
  const e = new Engine({ pool });
  e.configure(new Config().app('feed', Feed).app('csum', Csum).app('grab', Grab).link('feed.out -> csum.in').link('csum.out -> grab.in'));
  e.run({ breaths: 2 });
  assert.equal(out.length, 4);
  const p = new Parsed();
  for (let i = 0; i < 3; i++) {
    assert.equal(p.parse(e.pool, out[i]!), Result.OK);
    if (i < 2) assert.ok(checksum.ipv4HeaderValid(p, p.l3), `frame ${i}: IPv4 header checksum`);
    const at = p.ipProto === 17 ? checksum.CSUM_AT_UDP : checksum.CSUM_AT_TCP;
    const stored = p.dv.getUint16(p.l4 + at);
    assert.equal(stored, checksum.l4Checksum(p, i < 2 ? 4 : 6, p.l3, p.ipProto, p.l4, p.l4Length, at), `frame ${i}: L4 checksum`);
    assert.notEqual(stored, [0x4321, 7, 9][i]);
  }
  assert.equal(p.parse(e.pool, out[3]!), Result.TRUNCATED);
  assert.equal(e.stats().apps.csum!.drops.malformed, 1);
  assert.equal(e.stats().apps.csum!.dropped, 0, 'malformed frames are forwarded, not dropped');
  e.pool.freeBurst(Uint32Array.from(out), out.length);
  e.stop();
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
  pool.close();
});
