// Guest-side helper (cases.sh t_rx_meta): a one-thread forwarder between two virtio ports that
// checks, for every packet the driver receives, the metadata the port must fill (input port =
// low 16 bits of the receiving port's id, queue 0, packet type and hash 0), then forwards it so
// the kernel-side traffic check (traffic.py) still sees every frame. Prints "ready", and on
// SIGTERM "meta rx=N bad=M" and the pool accounting.
//
//   node dist/test/qemu/guest/rx-meta.js SPEC_A SPEC_B
import { Pool } from '../../../src/memory/pool.js';
import { Port } from '../../../src/port/port.js';
import * as buf from '../../../src/packet/buffer.js';

const [specA, specB] = process.argv.slice(2);
const pool = Pool.create({ name: 'guest-meta', buffers: 4096 });
const a = Port.open(specA!, { pool }), b = Port.open(specB!, { pool });
const hs = new Uint32Array(32);
let rx = 0, bad = 0, stop = false;
process.on('SIGTERM', () => { stop = true; });
console.log('ready');
function pass(from: Port, to: Port): number {
  const v = from.pool;
  const n = from.rxBurst(0, hs);
  for (let i = 0; i < n; i++) {
    const h = hs[i]!;
    rx++;
    if (buf.port(v, h) !== buf.portTag(from.id) || buf.queue(v, h) !== 0 || buf.packetType(v, h) !== 0 || buf.hash(v, h) !== 0) bad++;
    // poison what we checked, so a buffer coming back round without a fresh RX fill is caught
    buf.setPort(v, h, 0xbeef); buf.setPacketType(v, h, 0xdead);
  }
  const sent = to.txBurst(0, hs, n);
  if (sent < n) v.freeBurst(hs, n - sent, sent);
  return n;
}
function loop(): void {
  let moved = 0;
  for (let k = 0; k < 1000; k++) { const m = pass(a, b) + pass(b, a); moved += m; if (m === 0) break; }
  // idle: sleep 1 ms (the TCG guest's CPU is the traffic generator's too); busy: poll again
  if (!stop) { if (moved === 0) setTimeout(loop, 1); else setImmediate(loop); return; }
  console.log(`meta rx=${rx} bad=${bad}`);
  a.close(); b.close();
  const audit = pool.audit();
  console.log(`audit missing=${audit.missing} duplicates=${audit.duplicates}`);
  pool.close();
}
loop();
