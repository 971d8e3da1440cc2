// The mirror area in one process: what a ring port's RX receives while a capture is armed comes
// out of Mirror.drain and Mirror.drainRaw byte for byte, across the area's wrap (both kinds); a
// full area skips and counts; when disarmed nothing is copied.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import * as L from '../../src/port/layout.js';
import { Mirror } from '../../src/metrics/mirror.js';

function frame(i: number, len: number): Uint8Array {
  const f = new Uint8Array(len);
  f.set([2, 0, 0, 0, 0, i & 0xff, 2, 0, 0, 0, 1, (i >> 8) & 0xff, 0x88, 0xb5]);
  for (let k = 14; k < len; k++) f[k] = (i * 7 + k) & 0xff;
  return f;
}

/** Sends frames on end 0 and receives them on end 1 (queue 0), burst by burst. */
function pass(tx: Port, rx: Port, frames: Uint8Array[]): number {
  const hs = new Uint32Array(32);
  let got = 0;
  for (let i = 0; i < frames.length; i += 32) {
    const n = Math.min(32, frames.length - i);
    assert.equal(tx.pool.allocBurst(hs, n), n);
    for (let k = 0; k < n; k++) {
      const f = frames[i + k]!;
      tx.pool.reset(hs[k]!);
      tx.pool.u8.set(f, tx.pool.dataOffset(hs[k]!));
      tx.pool.setDataLen(hs[k]!, f.length);
    }
    assert.equal(tx.txBurst(0, hs, n), n);
    const m = rx.rxBurst(0, hs, 32);
    assert.equal(m, n);
    rx.pool.freeBurst(hs, m);
    got += m;
  }
  return got;
}

/** A ring port pair on its own pool (b receives what a sends) and a Mirror on b; closes them and
 *  audits the pool after fn, whatever it threw. */
function withMirror(name: string, fn: (a: Port, b: Port, mirror: Mirror) => void): void {
  const pool = Pool.create({ name, buffers: 1024 });
  const a = Port.open(`ring:${name}`, { pool });
  const b = Port.open(`ring:${name}`, { pool });
  try {
    fn(a, b, new Mirror(b));
  } finally {
    a.close();
    b.close();
    PoolView.closeThreadViews();
    assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 });
    pool.close();
  }
}

/** 64 frames of mixed sizes (60..1514 bytes) from sequence number seq. */
const mixed = (seq: number) => Array.from({ length: 64 }, (_, k) => frame(seq + k, 60 + (((seq + k) * 97) % 1455)));
/** Rounds of 64 mixed frames that fill the area about three times: it wraps many times. */
const MIXED_ROUNDS = Math.ceil((3 * L.PORT_MIRROR_BYTES) / (64 * 800));

test('a capture armed on a ring port queue gets every frame byte for byte, across the wrap; full skips and counts', () => {
  withMirror('mirror-t', (a, b, mirror) => {
    // not armed: nothing is copied
    pass(a, b, [frame(0, 60)]);
    assert.equal(mirror.drain(100, () => {}), 0);
    mirror.arm(0, 65535);
    assert.equal(mirror.armed(), 0);
    let seq = 0;
    let seen = 0;
    // several area-fulls of mixed sizes, drained every 64 frames: wraps many times, loses nothing
    for (let r = 0; r < MIXED_ROUNDS; r++) {
      const frames = mixed(seq);
      pass(a, b, frames);
      mirror.drain(1000, (rec) => {
        assert.deepEqual(rec.data, frames[seen - seq]!, `frame ${seen}`);
        assert.equal(rec.origLen, rec.data.length);
        assert.ok(Math.abs(rec.time - Date.now()) < 5000, 'time is ms since the epoch');
        seen++;
      });
      seq += 64;
    }
    assert.equal(seen, seq, 'every frame came out');
    assert.equal(mirror.dropped(), 0);
    // without draining, the area fills: the rest are skipped and counted, the datapath goes on
    const big = Array.from({ length: 2 * Math.ceil(L.PORT_MIRROR_BYTES / 1500) }, (_, k) => frame(k, 1500));
    assert.equal(pass(a, b, big), big.length, 'RX delivered every frame');
    const kept = mirror.drain(100_000, () => {});
    assert.ok(kept > 0 && kept < big.length, `${kept} copied`);
    assert.equal(kept + mirror.dropped(), big.length, 'copied + skipped = received');
    // snaplen cuts the copy, not the packet
    mirror.disarm();
    mirror.arm(0, 100);
    pass(a, b, [frame(1, 1000)]);
    mirror.drain(10, (rec) => {
      assert.equal(rec.data.length, 100);
      assert.equal(rec.origLen, 1000);
    });
    mirror.disarm();
    pass(a, b, [frame(2, 60)]);
    assert.equal(mirror.drain(10, () => {}), 0, 'disarmed: nothing copied');
  });
});

/** The records of one drainRaw buffer (the capture wire format), in order. */
function records(buf: Buffer | undefined): { origLen: number; data: Buffer }[] {
  const out: { origLen: number; data: Buffer }[] = [];
  for (let o = 0; buf && o < buf.length;) {
    const cap = buf.readUInt32LE(o);
    out.push({ origLen: buf.readUInt32LE(o + 4), data: buf.subarray(o + L.PORT_MIRROR_REC, o + L.PORT_MIRROR_REC + cap) });
    o += (L.PORT_MIRROR_REC + cap + 7) & ~7;
  }
  return out;
}

test('drainRaw (what ringway capture sends) is byte for byte across both kinds of wrap: a record ending at the area end, and a WRAP marker', () => {
  withMirror('mirror-raw', (a, b, mirror) => {
    mirror.arm(0, 65535);
    let seq = 0;
    const send = (frames: Uint8Array[], what: string) => {
      pass(a, b, frames);
      const got = records(mirror.drainRaw());
      assert.equal(got.length, frames.length, `${what}: record count`);
      got.forEach((r, k) => {
        assert.ok(r.data.equals(frames[k]!), `${what}: frame ${k} of ${frames.length}, byte for byte`);
        assert.equal(r.origLen, frames[k]!.length);
      });
      seq += frames.length;
    };
    // 1008-byte frames make 1024-byte records, so from the empty area (head 0) they end exactly
    // at the area's end, where the producer writes no WRAP marker. One drain across that point
    // must stop its copy there and go on at the area's start.
    const sized = (n: number) => Array.from({ length: n }, (_, k) => frame(seq + k, 1024 - L.PORT_MIRROR_REC));
    const perArea = L.PORT_MIRROR_BYTES / 1024;
    send(sized(perArea / 2), 'the first half of the area');
    send(sized(perArea / 2 + 32), 'across the area end');
    // Mixed sizes, drained every 64 frames: the producer wraps with a WRAP marker many times.
    for (let r = 0; r < MIXED_ROUNDS; r++) send(mixed(seq), `mixed round ${r}`);
    assert.equal(mirror.dropped(), 0);
  });
});
