// ring-burst1: SPSC descriptor ring between two worker threads, burst 1: ours vs ringbuf.js (Mdesc/s).
import { ringBench } from './lib/ringpair.js';

export const description = 'SPSC ring, 2 worker threads, burst 1: ours vs ringbuf.js 0.4.0 (Mdesc/s)';

export default () => ringBench('ring-burst1', 1, 20_000_000);
