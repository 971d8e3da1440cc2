//! The ONE entry layout of an LPM table (DIR-24-8 for IPv4, 16-8-8... for IPv6), written by
//! TypeScript (src/apps/nf/lpm.ts: routes are added and removed there) and read by the burst
//! lookup here (lpm/mod.rs). TypeScript copies these numbers into src/apps/nf/lpm-layout.ts, and
//! test/layout.test.ts fails if they drift from `exported()`.
//!
//! ```text
//! table (one Int32Array / &[i32]):
//!   [0, 2^first)          first level, indexed by the address's top `first` bits
//!   [b*256, b*256+256)    group with block number b (groups follow the first level:
//!                         group g is block g + 2^first/256), indexed by the next byte
//! entry (i32, as rte_lpm's one-word tbl entry):
//!   bit 31        VALID: the entry is negative
//!   bit 30        GROUP: bits 0..21 are the block number of the group below
//!   bits 22..29   depth of the prefix that wrote it (0..128)
//!   bits 0..21    next hop (a leaf) or block number (a GROUP entry)
//! ```
#![cfg_attr(rustfmt, rustfmt::skip)]

pub const LPM_GROUP_BIT: u32    = 0x4000_0000;
pub const LPM_DEPTH_SHIFT: u32  = 22;
pub const LPM_LOW_MASK: u32     = 0x003f_ffff;
/// Entries per group (one byte of address).
pub const LPM_GROUP_SIZE: u32   = 256;
/// IPv4 first level: 24 bits (rte_lpm's tbl24).
pub const LPM4_FIRST_BITS: u32  = 24;
/// IPv6 first level: 16 bits (see src/apps/nf/lpm.ts for why not rte_lpm6's 24).
pub const LPM6_FIRST_BITS: u32  = 16;

pub fn exported() -> Vec<(&'static str, u32)> {
    vec![
        ("LPM_GROUP_BIT", LPM_GROUP_BIT), ("LPM_DEPTH_SHIFT", LPM_DEPTH_SHIFT), ("LPM_LOW_MASK", LPM_LOW_MASK),
        ("LPM_GROUP_SIZE", LPM_GROUP_SIZE), ("LPM4_FIRST_BITS", LPM4_FIRST_BITS), ("LPM6_FIRST_BITS", LPM6_FIRST_BITS),
    ]
}
