// Test worker: one side of a ping-pong over two rings in which the waiting side always goes to
// sleep on the ring's futex (spin 0..100), so every round trip is a publish racing a sleeper.
// A wait that times out while the entry it waited for is already in the ring is a lost wake-up.
import { parentPort, workerData } from 'node:worker_threads';
import { RingRegion } from '../../src/ring/ring.js';

const { role, sendId, recvId, rounds, timeoutMs } = workerData as {
  role: 'ping' | 'pong'; sendId: number; recvId: number; rounds: number; timeoutMs: number;
};
const send = RingRegion.attach(sendId);
const recv = RingRegion.attach(recvId);
const one = new Uint32Array(1);
let lost = 0, slow = 0, wrong = 0, waits = 0;
const spins = [0, 10, 100];

function receive(expect: number, k: number): void {
  for (;;) {
    if (recv.ring.dequeueSc(one, 1) === 1) {
      if (one[0] !== expect) wrong++;
      return;
    }
    waits++;
    if (recv.ring.waitReadable({ spin: spins[k % 3]!, timeoutMs }) === 0) {
      // Timed out: if the entry is there, the publisher's doorbell check missed our announcement.
      if (recv.ring.count() > 0) lost++;
      else slow++;
    }
  }
}

for (let i = 0; i < rounds; i++) {
  if (role === 'ping') {
    one[0] = i;
    while (send.ring.enqueueSp(one, 1) === 0);
    receive(i, i);
  } else {
    receive(i, i + 1);
    one[0] = i;
    while (send.ring.enqueueSp(one, 1) === 0);
  }
}
send.close();
recv.close();
parentPort!.postMessage({ lost, slow, wrong, waits });
