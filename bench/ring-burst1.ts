// ring-burst1: as `ring`, one descriptor per enqueue/dequeue call.
import { ringBench } from './lib/ringpair.js';

await ringBench('ring-burst1', 1, 20_000_000);
