//! Packet memory: shareable regions (memfd, hugepages or locked pages), their device addresses,
//! and the futex used as a doorbell between threads that map the same region at different addresses.
pub mod futex;
pub mod hugepages;
pub mod iova;
pub mod region;

pub use region::{HugePolicy, Mapping, Region};

/// 2 MiB: the hugepage size we use, and the unit no packet buffer straddles (so a buffer is
/// physically contiguous whenever the region is backed by hugepages).
pub const HUGE_PAGE: usize = 2 << 20;
/// Base page size on x86-64 and aarch64 (4 KiB kernels).
pub const SMALL_PAGE: usize = 4096;
