// Buffer operations on pool buffers (DPDK rte_pktmbuf_prepend/adj/append/trim/clone), and the
// metadata the pool layout reserves (crates/core/src/mempool/layout.rs): input port, queue, RSS
// hash, packet type. Ownership: these change the packet of a buffer the caller owns (one it
// received and has not sent or freed); they never allocate except clone/copy, which take one
// buffer from the calling thread's pool view and hand it to the caller.
import type { PoolView } from '../memory/pool.js';
import { META_DATA_LEN, META_DATA_OFF, META_FLAGS, META_HASH, META_PORT, META_QUEUE, META_SIZE } from '../memory/layout.js';

const OFF = META_DATA_OFF >> 1, LEN = META_DATA_LEN >> 1;

/** Bytes free in front of the packet (room for prepend). */
export function headroom(pool: PoolView, h: number): number {
  return pool.u16[((pool.bufBase + h * pool.stride) >> 1) + OFF]! - META_SIZE;
}

/** Bytes free after the packet (room for append). */
export function tailroom(pool: PoolView, h: number): number {
  const m = (pool.bufBase + h * pool.stride) >> 1;
  return META_SIZE + pool.headroom + pool.dataRoom - pool.u16[m + OFF]! - pool.u16[m + LEN]!;
}

/**
 * Prepends n bytes (rte_pktmbuf_prepend): the packet starts n bytes earlier, in the headroom.
 * Returns the new first byte's offset in the pool view (write the header there), or -1 if the
 * headroom is smaller than n (nothing changed).
 */
export function prepend(pool: PoolView, h: number, n: number): number {
  const b = pool.bufBase + h * pool.stride, m = b >> 1, u16 = pool.u16;
  const off = u16[m + OFF]!, len = u16[m + LEN]!;
  if (n < 0 || off - n < META_SIZE || len + n > 0xffff) return -1;
  u16[m + OFF] = off - n;
  u16[m + LEN] = len + n;
  return b + off - n;
}

/**
 * Removes n bytes from the front (rte_pktmbuf_adj, e.g. strip a header or a tunnel's outer
 * headers). Returns the new first byte's offset, or -1 if the packet is shorter than n.
 */
export function adj(pool: PoolView, h: number, n: number): number {
  const b = pool.bufBase + h * pool.stride, m = b >> 1, u16 = pool.u16;
  const off = u16[m + OFF]!, len = u16[m + LEN]!;
  if (n < 0 || n > len) return -1;
  u16[m + OFF] = off + n;
  u16[m + LEN] = len - n;
  return b + off + n;
}

/** Appends n bytes (rte_pktmbuf_append): returns the offset of the new bytes, or -1 without tailroom. */
export function append(pool: PoolView, h: number, n: number): number {
  const b = pool.bufBase + h * pool.stride, m = b >> 1, u16 = pool.u16;
  const off = u16[m + OFF]!, len = u16[m + LEN]!;
  if (n < 0 || off + len + n > META_SIZE + pool.headroom + pool.dataRoom || len + n > 0xffff) return -1;
  u16[m + LEN] = len + n;
  return b + off + len;
}

/** Removes n bytes from the end (rte_pktmbuf_trim); false if the packet is shorter than n. */
export function trim(pool: PoolView, h: number, n: number): boolean {
  const m = (pool.bufBase + h * pool.stride) >> 1, u16 = pool.u16;
  const len = u16[m + LEN]!;
  if (n < 0 || n > len) return false;
  u16[m + LEN] = len - n;
  return true;
}

/**
 * Moves packet bytes [from, from+n) (offsets inside the packet) by `by` bytes, memmove-style
 * (copyWithin, no allocation). Push a VLAN tag: prepend(4), move(12 bytes at 4 by -4), write the
 * tag at 12. Pop one: move(12 bytes at 0 by +4), adj(4). False (nothing moved) if either range
 * leaves the packet.
 */
export function move(pool: PoolView, h: number, from: number, n: number, by: number): boolean {
  const b = pool.bufBase + h * pool.stride, m = b >> 1, u16 = pool.u16;
  const off = u16[m + OFF]!, len = u16[m + LEN]!;
  if (n < 0 || from < 0 || from + n > len || from + by < 0 || from + by + n > len) return false;
  const s = b + off + from;
  pool.u8.copyWithin(s + by, s, s + n);
  return true;
}

/**
 * Copies packet `src` (data and metadata: port, queue, hash, packet type) into buffer `dst` of
 * the same pool, at dst's default data offset. False if it does not fit.
 */
export function copyInto(pool: PoolView, src: number, dst: number): boolean {
  const sb = pool.bufBase + src * pool.stride, db = pool.bufBase + dst * pool.stride;
  const u16 = pool.u16, u8 = pool.u8;
  const soff = u16[(sb >> 1) + OFF]!, len = u16[(sb >> 1) + LEN]!;
  const doff = META_SIZE + pool.headroom;
  if (len > pool.dataRoom) return false;
  u8.copyWithin(db + doff, sb + soff, sb + soff + len);
  u16[(db >> 1) + OFF] = doff;
  u16[(db >> 1) + LEN] = len;
  // port, queue, flags, hash: bytes META_PORT .. META_HASH + 4
  u8.copyWithin(db + META_PORT, sb + META_PORT, sb + META_HASH + 4);
  return true;
}

const one = new Uint32Array(1);
/**
 * A new buffer holding a copy of packet h (rte_pktmbuf_copy; our buffers are single-segment, so a
 * DPDK-style indirect clone would share the bytes and this is the deep copy). Returns the new
 * handle, owned by the caller, or -1 when the pool is empty (counted as an alloc failure).
 */
export function clone(pool: PoolView, h: number): number {
  if (pool.allocBurst(one, 1) !== 1) return -1;
  const d = one[0]!;
  copyInto(pool, h, d);
  return d;
}

// Metadata (written by the port on RX: port and queue; packet type 0 = unknown where the port
// does not classify; hash when the device gives one).
const P = META_PORT >> 1, Q = META_QUEUE >> 1, F = META_FLAGS >> 2, H = META_HASH >> 2;
/** Input port tag: the low 16 bits of the receiving Port's id (portTag(port.id)). */
export const port = (pool: PoolView, h: number): number => pool.u16[((pool.bufBase + h * pool.stride) >> 1) + P]!;
export const queue = (pool: PoolView, h: number): number => pool.u16[((pool.bufBase + h * pool.stride) >> 1) + Q]!;
/** RSS hash (0 when none was given). */
export const hash = (pool: PoolView, h: number): number => pool.u32[((pool.bufBase + h * pool.stride) >> 2) + H]!;
/** Packet type (PType bits, 0 = unknown). */
export const packetType = (pool: PoolView, h: number): number => pool.u32[((pool.bufBase + h * pool.stride) >> 2) + F]!;
export function setPort(pool: PoolView, h: number, v: number): void { pool.u16[((pool.bufBase + h * pool.stride) >> 1) + P] = v; }
export function setQueue(pool: PoolView, h: number, v: number): void { pool.u16[((pool.bufBase + h * pool.stride) >> 1) + Q] = v; }
export function setHash(pool: PoolView, h: number, v: number): void { pool.u32[((pool.bufBase + h * pool.stride) >> 2) + H] = v; }
export function setPacketType(pool: PoolView, h: number, v: number): void { pool.u32[((pool.bufBase + h * pool.stride) >> 2) + F] = v; }
/** What a port writes into META_PORT: the low 16 bits of its id (DPDK's mbuf port is 16 bits too).
 *  Never 0 and never two live ports' at once: the registry skips such ids (crates/node/src/registry.rs). */
export const portTag = (portId: number): number => portId & 0xffff;
