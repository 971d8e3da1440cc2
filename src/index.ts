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
export { AdaptiveRx, irqInfo, waitRxAsync, waitRxIrq } from './port/irq.js';
export type { AdaptiveOptions, IrqInfo, RxQueueRef } from './port/irq.js';
export { runForwarder } from './fwd/forwarder.js';
export type { FwdOptions, FwdResult } from './fwd/forwarder.js';
export { forwarderConfig } from './fwd/forwarder.js';
export type { FwdMode } from './fwd/forwarder.js';
export * from './pipeline/index.js';
export * from './apps/index.js';
// Packet library (src/packet/index.ts; docs/packets.md).
export {
  Frame, Parsed, parse, parseBuffer, parseBytes, parseInner, Result, RESULT_NAMES, PType, L3,
  checksum, buffer, ether, vlan, arp, ipv4, ipv6, icmp4, icmp6, udp, tcp, vxlan,
  build, buildFrame, buildInto, nd,
} from './packet/index.js';
export type { FrameSpec } from './packet/index.js';
export { reclaimLost } from './memory/reclaim.js';
export type { Reclaimed } from './memory/reclaim.js';
