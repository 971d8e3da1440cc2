// ring: SPSC descriptor ring between two worker threads, burst 32: ours vs ringbuf.js (Mdesc/s).
import { ringBench } from './lib/ringpair.js';

await ringBench('ring', 32, 200_000_000);
