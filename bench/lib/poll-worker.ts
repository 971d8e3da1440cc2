// piscina-poll's plain worker_thread: the same loop (poll-loop.ts), then "done".
import { parentPort, workerData } from 'node:worker_threads';
import { PoolView } from '../../src/memory/pool.js';
import { pollLoop, type PollJob } from './poll-loop.js';

pollLoop(workerData as PollJob);
PoolView.closeThreadViews();
parentPort!.postMessage({ done: true });
