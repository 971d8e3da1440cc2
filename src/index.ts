// Public API: re-exports only.
export { native } from './native.js';
export { Codes, RingwayError } from './errors.js';
export { Ring, RingRegion } from './ring/ring.js';
export type { RingWaitOptions } from './ring/ring.js';
export { Pool, PoolView } from './memory/pool.js';
export type { PoolOptions, PoolStats } from './memory/pool.js';
