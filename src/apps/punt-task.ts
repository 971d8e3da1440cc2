// The piscina worker side of Punt: piscina runs this module's default export for every punted
// slot. It loads the user's task module once (workerData.task), hands it the frame and a reply
// area in the shared slot, and publishes the result on the completion ring (punt-slots.ts), so the
// engine sees it without waiting for piscina's reply message. The user task:
//
//   export default function (frame: Uint8Array, reply: Uint8Array): number | Promise<number>
//
// returns the reply's length written into `reply` (0: no reply). An optional
//
//   export function init(data: unknown): void | Promise<void>
//
// gets the app's `data` config once per worker, before any frame (a throw fails Punt.ready()). Both views are valid only until
// it returns (or its promise settles). A throw or a rejection is published as -1 (counted by the
// app as 'task-error'); it never fails piscina's task, so the slot always comes back.
import { workerData } from 'piscina';
import { pathToFileURL } from 'node:url';
import { CTL_READY, PuntSlots, type SlotsInit } from './punt-slots.js';

export type PuntTask = (frame: Uint8Array, reply: Uint8Array) => number | Promise<number>;

interface PuntWorkerData extends SlotsInit {
  task: string;
  data?: unknown;
}

const wd = workerData as PuntWorkerData;
const slots = new PuntSlots(wd);
const spec = /^[a-z]+:/.test(wd.task) ? wd.task : pathToFileURL(wd.task).href;
const mod = (await import(spec)) as { default?: unknown; punt?: unknown; init?: unknown };
const user = (typeof mod.default === 'function' ? mod.default : mod.punt) as PuntTask | undefined;
if (typeof user !== 'function') {
  throw new TypeError(`punt task ${wd.task}: export a function as default (or as 'punt'): (frame, reply) => replyLength`);
}
if (typeof mod.init === 'function') await (mod.init as (d: unknown) => unknown)(wd.data);
Atomics.add(slots.ctl, CTL_READY, 1);

// Views per slot, made once (a task allocates none of its own to see its frame).
const req: Uint8Array[] = [], rep: Uint8Array[] = [];
for (let s = 0; s < slots.slots; s++) {
  req.push(slots.bytes.subarray(s * slots.slotSize, (s + 1) * slots.slotSize));
  rep.push(slots.bytes.subarray(slots.repBase + s * slots.slotSize, slots.repBase + (s + 1) * slots.slotSize));
}

export default async function run(slot: number): Promise<void> {
  if (slot < 0) return; // a ping (Punt.ready)
  let len: number;
  try {
    const n = Atomics.load(slots.reqLen, slot);
    const r = user!(req[slot]!.subarray(0, n), rep[slot]!);
    len = typeof r === 'number' ? r : await r;
    if (!(Number.isInteger(len) && len >= 0 && len <= slots.slotSize)) len = -1;
  } catch {
    len = -1;
  }
  slots.complete(slot, len);
}
