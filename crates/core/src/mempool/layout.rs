//! The ONE binary layout of a packet pool (mempool) region, used by Rust (mempool/pool.rs) and
//! TypeScript (src/memory/pool.ts); drift is caught by test/memory/layout.test.ts.
//!
//! ```text
//! region offset          what                                   written by
//! 0                      pool header (POOL_HDR_*)               creator, once
//! POOL_USERS_OFF         POOL_MAX_USERS user slots of
//!                        POOL_USER_SIZE bytes each:
//!   +0   u32 state       0 = free, 1 = attached                 attacher (CAS 0->1), owner (store 0)
//!   +4   u32 cache_len   entries in this user's cache           owner
//!   +8   u32 tid         attaching thread (diagnostics)         owner
//!   +16  f64 allocs      buffers handed to this user, ever      owner
//!   +24  f64 frees       buffers returned by this user, ever    owner
//!   +32  f64 alloc_fail  buffers asked for and not given        owner  (DPDK rx_nombuf)
//!   +40  f64 bad_handles handles refused on free: not a buffer  owner  (boundary check)
//!        of this pool
//!   +48  f64 double_frees frees refused as double (debug mode:   owner  (boundary check)
//!        exact, by buffer state; otherwise the free ring
//!        overflowed: surplus handles dropped)
//!   +128 u32 cache[POOL_CACHE_MAX]                              owner
//! header.ring_off        the shared free ring (ring/layout.rs)  any user (MPMC)
//! header.buf_base        buffer i at buf_base + i * stride      the buffer's current owner
//! ```
//! Debug mode (POOL_F_DEBUG, `RINGWAY_DEBUG=mbuf`): every buffer's metadata carries a state word
//! (META_DBG: META_DBG_FREE or META_DBG_USED in the low byte, the user slot that made the last
//! transition in byte 1) and that thread's tid (META_DBG_TID), changed by CAS on every alloc and
//! free, JS and Rust alike: DPDK's mempool cookies / RTE_LIBRTE_MBUF_DEBUG, so a double free is
//! refused and reported by handle and thread at the moment it happens, and a leak is named by the
//! buffers still USED with their owner.
//! A buffer: [64 B metadata][headroom][data room]. Buffers never straddle a 2 MiB boundary of the
//! region (the few that would are left out of the pool), so with hugepages each buffer is
//! physically contiguous and a device can DMA into it with one descriptor.
//! Counters are f64 because JS owners write them on the hot path and a JS number is exact to 2^53.
#![cfg_attr(rustfmt, rustfmt::skip)]

pub const POOL_MAGIC: u32            = 0x4c50_5752; // "RWPL"
pub const POOL_VERSION: u32          = 1;
// header fields (u32 each)
pub const POOL_HDR_MAGIC: usize      = 0;
pub const POOL_HDR_VERSION: usize    = 4;
pub const POOL_HDR_N_BUFS: usize     = 8;   // usable buffers (the pool's total)
pub const POOL_HDR_N_SLOTS: usize    = 12;  // buffer slots laid out, usable or not
pub const POOL_HDR_STRIDE: usize     = 16;
pub const POOL_HDR_HEADROOM: usize   = 20;
pub const POOL_HDR_DATA_ROOM: usize  = 24;
pub const POOL_HDR_BUF_BASE: usize   = 28;
pub const POOL_HDR_RING_OFF: usize   = 32;
pub const POOL_HDR_CACHE_SIZE: usize = 36;  // default per-user cache size
pub const POOL_HDR_FLAGS: usize      = 40;  // POOL_F_*
pub const POOL_F_HUGE: u32           = 1;
pub const POOL_F_LOCKED: u32         = 2;
pub const POOL_F_DEBUG: u32          = 4;   // per-buffer ownership states (META_DBG)
// user slots
pub const POOL_USERS_OFF: usize      = 512;
pub const POOL_MAX_USERS: usize      = 64;
pub const POOL_USER_SIZE: usize      = 128 + 4 * 1024;
pub const POOL_U_STATE: usize        = 0;
pub const POOL_U_CACHE_LEN: usize    = 4;
pub const POOL_U_TID: usize          = 8;
pub const POOL_U_ALLOCS: usize       = 16;
pub const POOL_U_FREES: usize        = 24;
pub const POOL_U_ALLOC_FAIL: usize   = 32;
pub const POOL_U_BAD_HANDLES: usize  = 40;
pub const POOL_U_DOUBLE_FREES: usize = 48;
pub const POOL_U_CACHE: usize        = 128;
pub const POOL_CACHE_MAX: usize      = 1024;
// per-buffer metadata (at the buffer's start), written by the buffer's current owner
pub const META_SIZE: usize           = 64;
pub const META_DATA_OFF: usize       = 0;   // u16: first packet byte, from the buffer start
pub const META_DATA_LEN: usize       = 2;   // u16: packet length in this buffer
pub const META_PORT: usize           = 4;   // u16: input port (low 16 bits of the port id; unique among live ports: crates/node registry)
pub const META_QUEUE: usize          = 6;   // u16: input queue
pub const META_FLAGS: usize          = 8;   // u32: packet type (src/packet PType bits; 0 = unknown)
pub const META_HASH: usize           = 12;  // u32: RSS hash when the device gives one
pub const META_DBG: usize            = 56;  // u32: debug state | user slot << 8 (debug mode only)
pub const META_DBG_TID: usize        = 60;  // u32: tid of the last transition (debug mode only)
pub const META_DBG_FREE: u32         = 0xf4; // state byte: in the free ring or a cache
pub const META_DBG_USED: u32         = 0xa5; // state byte: handed out to a user
pub const DEFAULT_HEADROOM: u32      = 128; // RTE_PKTMBUF_HEADROOM
pub const DEFAULT_DATA_ROOM: u32     = 2048;// DPDK's 2176-byte buffer = 128 headroom + 2048 data
pub const DEFAULT_CACHE_SIZE: u32    = 256;
pub const POOL_MAX_BYTES: u64        = 1 << 32; // offsets are u32 in the header and in JS views

pub fn exported() -> Vec<(&'static str, u32)> {
    vec![
        ("POOL_MAGIC", POOL_MAGIC), ("POOL_VERSION", POOL_VERSION),
        ("POOL_HDR_MAGIC", POOL_HDR_MAGIC as u32), ("POOL_HDR_VERSION", POOL_HDR_VERSION as u32),
        ("POOL_HDR_N_BUFS", POOL_HDR_N_BUFS as u32), ("POOL_HDR_N_SLOTS", POOL_HDR_N_SLOTS as u32),
        ("POOL_HDR_STRIDE", POOL_HDR_STRIDE as u32), ("POOL_HDR_HEADROOM", POOL_HDR_HEADROOM as u32),
        ("POOL_HDR_DATA_ROOM", POOL_HDR_DATA_ROOM as u32), ("POOL_HDR_BUF_BASE", POOL_HDR_BUF_BASE as u32),
        ("POOL_HDR_RING_OFF", POOL_HDR_RING_OFF as u32), ("POOL_HDR_CACHE_SIZE", POOL_HDR_CACHE_SIZE as u32),
        ("POOL_HDR_FLAGS", POOL_HDR_FLAGS as u32), ("POOL_F_HUGE", POOL_F_HUGE), ("POOL_F_LOCKED", POOL_F_LOCKED),
        ("POOL_F_DEBUG", POOL_F_DEBUG),
        ("POOL_USERS_OFF", POOL_USERS_OFF as u32), ("POOL_MAX_USERS", POOL_MAX_USERS as u32),
        ("POOL_USER_SIZE", POOL_USER_SIZE as u32), ("POOL_U_STATE", POOL_U_STATE as u32),
        ("POOL_U_CACHE_LEN", POOL_U_CACHE_LEN as u32), ("POOL_U_TID", POOL_U_TID as u32),
        ("POOL_U_ALLOCS", POOL_U_ALLOCS as u32), ("POOL_U_FREES", POOL_U_FREES as u32),
        ("POOL_U_ALLOC_FAIL", POOL_U_ALLOC_FAIL as u32),
        ("POOL_U_BAD_HANDLES", POOL_U_BAD_HANDLES as u32), ("POOL_U_DOUBLE_FREES", POOL_U_DOUBLE_FREES as u32), ("POOL_U_CACHE", POOL_U_CACHE as u32),
        ("POOL_CACHE_MAX", POOL_CACHE_MAX as u32),
        ("META_SIZE", META_SIZE as u32), ("META_DATA_OFF", META_DATA_OFF as u32),
        ("META_DATA_LEN", META_DATA_LEN as u32), ("META_PORT", META_PORT as u32),
        ("META_QUEUE", META_QUEUE as u32), ("META_FLAGS", META_FLAGS as u32), ("META_HASH", META_HASH as u32),
        ("META_DBG", META_DBG as u32), ("META_DBG_TID", META_DBG_TID as u32),
        ("META_DBG_FREE", META_DBG_FREE), ("META_DBG_USED", META_DBG_USED),
        ("DEFAULT_HEADROOM", DEFAULT_HEADROOM), ("DEFAULT_DATA_ROOM", DEFAULT_DATA_ROOM),
        ("DEFAULT_CACHE_SIZE", DEFAULT_CACHE_SIZE),
    ]
}
