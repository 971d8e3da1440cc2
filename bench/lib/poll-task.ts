// piscina-poll's task: the busy-polling loop (poll-loop.ts) as a piscina task. It returns only when
// the stop flag is set; `slot` gets this thread's pool user slot so the bench can see what a
// terminated task leaves behind.
import { PoolView } from '../../src/memory/pool.js';
import { pollLoop, type PollJob } from './poll-loop.js';

export default function poll(j: PollJob): number {
  const n = pollLoop(j);
  PoolView.closeThreadViews();
  return n;
}
