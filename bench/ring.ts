// ring: SPSC descriptor ring between two worker threads, burst 32: ours vs ringbuf.js (Mdesc/s).
import { ringBench } from './lib/ringpair.js';

export const description = 'SPSC ring, 2 worker threads, burst 32: ours vs ringbuf.js 0.4.0 (Mdesc/s)';

export default () => ringBench('ring', 32, 200_000_000);
