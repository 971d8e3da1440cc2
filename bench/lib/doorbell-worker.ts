// One side of bench/doorbell.ts's ping-pong: receives a token on `rx`, sends it back (or on) on
// `tx`, sleeping for every token. kind 'futex': the ring's own idle path (Ring.waitReadable with
// no spin -> the core's futex; the producer's doorbell check -> native.ringWake). kind 'atomics':
// Atomics.wait on rx's prod_tail and Atomics.notify after each publish, on SharedArrayBuffers
// that both threads share (posted, so V8 sees one buffer address; own mappings would not meet).
import { parentPort, workerData } from 'node:worker_threads';
import { Ring } from '../../src/ring/ring.js';
import { RING_OFF_PROD_TAIL } from '../../src/ring/layout.js';

interface Job {
  kind: 'futex' | 'atomics';
  starts: boolean;
  rounds: number;
  rx: { id: number; view: SharedArrayBuffer };
  tx: { id: number; view: SharedArrayBuffer };
}
const j = workerData as Job;
const rx = new Ring(j.rx.view, 0, j.rx.id);
const tx = new Ring(j.tx.view, 0, j.tx.id);
const rx32 = new Int32Array(j.rx.view);
const tx32 = new Int32Array(j.tx.view);
const TAIL = RING_OFF_PROD_TAIL >> 2;
const tok = new Uint32Array(1);
let sleeps = 0;

function receive(): void {
  for (;;) {
    if (rx.dequeueSc(tok, 1) === 1) return;
    if (j.kind === 'futex') rx.waitReadable({ spin: 0, timeoutMs: 100 });
    else Atomics.wait(rx32, TAIL, Atomics.load(rx32, TAIL), 100);
    sleeps++;
  }
}

function send(): void {
  while (tx.enqueueSp(tok, 1) !== 1);
  if (j.kind === 'atomics') Atomics.notify(tx32, TAIL, 1);
}

const t0 = process.hrtime.bigint();
for (let i = 0; i < j.rounds; i++) {
  if (j.starts) {
    tok[0] = i;
    send();
    receive();
  } else {
    receive();
    send();
  }
}
parentPort!.postMessage({ ns: String(process.hrtime.bigint() - t0), sleeps });
