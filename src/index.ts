// Public API: re-exports only (the typed library; the raw binding, src/native.ts, stays internal).
export { memoryMode } from './native.js';
export type { MemoryMode, MemoryView } from './native.js';
export { Codes, RingwayError } from './errors.js';
export { Ring, RingRegion, ringBarrier } from './ring/ring.js';
export type { RingWaitOptions } from './ring/ring.js';
export { Pool, PoolView } from './memory/pool.js';
export type { PoolOptions, PoolStats } from './memory/pool.js';
export { Port } from './port/port.js';
export type { PortDescriptor, PortInfo, PortOptions, PortStats, QueueStats } from './port/port.js';
export { runForwarder } from './fwd/forwarder.js';
export type { FwdOptions, FwdResult } from './fwd/forwarder.js';
export { macswap } from './fwd/loop.js';
export type { FwdMode } from './fwd/loop.js';
