//! The ONE binary layout of a ring in shared memory, used by Rust (ring/ring.rs) and TypeScript
//! (src/ring/ring.ts). TypeScript copies these numbers into src/ring/layout.ts for speed, and
//! test/ring/layout.test.ts fails if they drift from `exported()` (exported through the binding).
//!
//! ```text
//! offset  size  field          written by        notes
//!      0     4  magic          creator (once)    RING_MAGIC
//!      4     4  version        creator (once)    RING_VERSION
//!      8     4  capacity       creator (once)    power of two, all slots usable
//!     12     4  mask           creator (once)    capacity - 1
//!     16     4  flags          creator (once)    RING_F_SP_ENQ | RING_F_SC_DEQ (advisory)
//!    128     4  prod_head      producers         reserve index (CAS among multi-producers)
//!    132     4  prod_tail      producers         publish index: slots below it are readable
//!    256     4  cons_head      consumers         reserve index (CAS among multi-consumers)
//!    260     4  cons_tail      consumers         release index: slots below it are writable
//!    384     4  wake_seq       producers         futex word: bumped to wake a sleeping consumer
//!    388     4  waiters        consumers         consumers about to sleep (non-zero = producer must wake)
//!    392     4  prod_waiters   producers         producers sleeping on a full ring
//!    396     4  space_seq      consumers         futex word for prod_waiters
//!    512   4*N  slots          producer owns [cons_tail, prod_head) ... see docs/rings.md
//! ```
//! Producer and consumer index pairs sit 128 bytes apart (not just 64) because x86's adjacent-line
//! prefetcher pulls cache lines in pairs: 64 would still false-share.
//! Indices are free-running u32 and masked on use: `slot = idx & mask`, count = `prod - cons` with
//! wrapping arithmetic, so full and empty are never ambiguous and every slot is usable.
#![cfg_attr(rustfmt, rustfmt::skip)]

pub const RING_MAGIC: u32          = 0x5257_5247; // "GRWR"
pub const RING_VERSION: u32        = 1;
pub const RING_OFF_MAGIC: usize    = 0;
pub const RING_OFF_VERSION: usize  = 4;
pub const RING_OFF_CAPACITY: usize = 8;
pub const RING_OFF_MASK: usize     = 12;
pub const RING_OFF_FLAGS: usize    = 16;
pub const RING_OFF_PROD_HEAD: usize = 128;
pub const RING_OFF_PROD_TAIL: usize = 132;
pub const RING_OFF_CONS_HEAD: usize = 256;
pub const RING_OFF_CONS_TAIL: usize = 260;
pub const RING_OFF_WAKE_SEQ: usize  = 384;
pub const RING_OFF_WAITERS: usize   = 388;
pub const RING_OFF_PROD_WAITERS: usize = 392;
pub const RING_OFF_SPACE_SEQ: usize = 396;
pub const RING_OFF_SLOTS: usize     = 512;
pub const RING_SLOT_SIZE: usize     = 4;
pub const RING_F_SP_ENQ: u32        = 1;
pub const RING_F_SC_DEQ: u32        = 2;
pub const RING_MAX_CAPACITY: u32    = 1 << 28;

/// Bytes a ring of `capacity` slots occupies.
pub const fn ring_bytes(capacity: u32) -> usize {
    RING_OFF_SLOTS + capacity as usize * RING_SLOT_SIZE
}

/// (name, value) pairs exported to TypeScript for the drift test.
pub fn exported() -> Vec<(&'static str, u32)> {
    vec![
        ("RING_MAGIC", RING_MAGIC), ("RING_VERSION", RING_VERSION),
        ("RING_OFF_MAGIC", RING_OFF_MAGIC as u32), ("RING_OFF_VERSION", RING_OFF_VERSION as u32),
        ("RING_OFF_CAPACITY", RING_OFF_CAPACITY as u32), ("RING_OFF_MASK", RING_OFF_MASK as u32),
        ("RING_OFF_FLAGS", RING_OFF_FLAGS as u32),
        ("RING_OFF_PROD_HEAD", RING_OFF_PROD_HEAD as u32), ("RING_OFF_PROD_TAIL", RING_OFF_PROD_TAIL as u32),
        ("RING_OFF_CONS_HEAD", RING_OFF_CONS_HEAD as u32), ("RING_OFF_CONS_TAIL", RING_OFF_CONS_TAIL as u32),
        ("RING_OFF_WAKE_SEQ", RING_OFF_WAKE_SEQ as u32), ("RING_OFF_WAITERS", RING_OFF_WAITERS as u32),
        ("RING_OFF_PROD_WAITERS", RING_OFF_PROD_WAITERS as u32), ("RING_OFF_SPACE_SEQ", RING_OFF_SPACE_SEQ as u32),
        ("RING_OFF_SLOTS", RING_OFF_SLOTS as u32), ("RING_SLOT_SIZE", RING_SLOT_SIZE as u32),
        ("RING_F_SP_ENQ", RING_F_SP_ENQ), ("RING_F_SC_DEQ", RING_F_SC_DEQ),
        ("RING_MAX_CAPACITY", RING_MAX_CAPACITY),
    ]
}
