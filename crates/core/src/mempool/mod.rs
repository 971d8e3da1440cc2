//! Packet buffer pools: fixed-size buffers in one shareable region, a shared MPMC free ring, and a
//! per-user cache in front of it (DPDK's mempool cache) so the shared ring is touched per burst of
//! refills/flushes, not per packet.
pub mod cache;
pub mod layout;
pub mod pool;

pub use cache::PoolCache;
pub use pool::{Pool, PoolConfig, PoolStats};
