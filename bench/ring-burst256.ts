// ring-burst256: as `ring`, 256 descriptors per call (the third size docs/rings.md reports).
import { ringBench } from './lib/ringpair.js';

await ringBench('ring-burst256', 256, 400_000_000);
