// PlainPunt's worker: waits on the request ring, runs the task, publishes on the completion ring.
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { PuntSlots, type SlotsInit } from '../../src/apps/punt-slots.js';
import { CTL_REQ_TAIL, CTL_STOP } from './punt-plain.js';

const wd = workerData as SlotsInit & { req: Int32Array; task: string };
const S = new PuntSlots(wd);
const task = ((await import(pathToFileURL(wd.task).href)) as { default: (f: Uint8Array, r: Uint8Array) => number }).default;
const req: Uint8Array[] = [], rep: Uint8Array[] = [];
for (let s = 0; s < S.slots; s++) {
  req.push(S.bytes.subarray(s * S.slotSize, (s + 1) * S.slotSize));
  rep.push(S.bytes.subarray(S.repBase + s * S.slotSize, S.repBase + (s + 1) * S.slotSize));
}
parentPort!.postMessage('ready');
let head = 0;
const mask = S.ringMask;
while (Atomics.load(S.ctl, CTL_STOP) === 0) {
  const v = Atomics.load(wd.req, head & mask);
  if (v === 0) {
    Atomics.wait(S.ctl, CTL_REQ_TAIL, head, 5); // returns at once if the app moved the tail on
    continue;
  }
  Atomics.store(wd.req, head & mask, 0);
  head = (head + 1) | 0;
  const slot = v - 1;
  let len: number;
  try {
    len = task(req[slot]!.subarray(0, S.reqLen[slot]!), rep[slot]!);
  } catch {
    len = -1;
  }
  S.complete(slot, len);
}
