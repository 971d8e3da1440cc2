// A punt task for the tests: answers ARP frames (ethertype 0x0806) with the frame, MACs swapped;
// no answer for anything else; throws for ethertype 0xdead. An optional busy delay per frame
// (ethertype 0x0806 frames whose byte 14 is n wait n ms) makes backpressure.
const nap = new Int32Array(new SharedArrayBuffer(4));

export default function echo(frame: Uint8Array, reply: Uint8Array): number {
  const et = (frame[12]! << 8) | frame[13]!;
  if (et === 0xdead) throw new Error('task refuses 0xdead');
  if (et !== 0x0806) return 0;
  if (frame[14]! > 0) Atomics.wait(nap, 0, 0, frame[14]!);
  reply.set(frame.subarray(6, 12), 0);
  reply.set(frame.subarray(0, 6), 6);
  reply.set(frame.subarray(12), 12);
  return frame.length;
}
