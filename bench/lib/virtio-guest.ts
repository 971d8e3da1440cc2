// virtio-qemu benchmark, our side, run INSIDE the guest by test/qemu/guest/bench-node.sh:
// runForwarder between two virtio ports (vfio-pci), io mode, burst 32, primed with 32 frames per
// port (testpmd --tx-first), for DUR seconds + 1 warm-up second.
//
//   node dist/bench/lib/virtio-guest.js SPEC_A SPEC_B DUR [DATA_ROOM]
//
// DATA_ROOM: the pool's data room per buffer (default 2048; 9216 = the jumbo pool, to measure
// what the larger buffers cost at 64 bytes).
//
// Prints the per-second rates, then `kpps=<mean of the seconds after the first>` (the same
// reduction the guest script applies to testpmd's 1 s stats).
import { runForwarder } from '../../src/fwd/forwarder.js';

const [a, b, dur, room] = process.argv.slice(2);
const secs = Number(dur ?? 5);
const dataRoom = room !== undefined && room !== '' ? Number(room) : undefined;
const r = await runForwarder({ a: a!, b: b!, mode: 'io', burst: 32, txFirst: 32, durationMs: (secs + 1) * 1000 + 300, ...(dataRoom !== undefined ? { dataRoom } : {}) });
const kpps = r.samples.map((m) => m * 1000);
const steady = kpps.slice(1, 1 + secs);
const mean = steady.reduce((s, x) => s + x, 0) / Math.max(1, steady.length);
console.log(`  ours per second (kpps): ${kpps.map((x) => x.toFixed(1)).join(' ')}; dropped ${r.dropped}; ` +
  `pool ${r.pool.free}/${r.pool.total} back, ${r.pool.missing} missing`);
if (r.pool.missing !== 0 || r.pool.inUse !== 0) {
  console.log(`error: buffers lost: ${JSON.stringify(r.pool)}`);
  process.exitCode = 1;
}
console.log(`kpps=${mean.toFixed(1)}`);
