//! Descriptor rings of u32 handles in shared memory (DPDK rte_ring vocabulary: *bulk* = all or
//! nothing, *burst* = as many as fit; single- or multi-producer/consumer per call site).
pub mod barrier;
pub mod layout;
#[allow(clippy::module_inception)]
pub mod ring;

pub use ring::Ring;
