//! Ringway core: packet memory, shared rings, ports and user-space drivers.
//! Pure Rust: nothing here knows about Node-API (see crates/node for the binding).
pub mod bind;
pub mod cpu;
pub mod error;
pub mod lpm;
pub mod mem;
pub mod mempool;
pub mod pcap;
pub mod pci;
pub mod port;
pub mod ring;
pub mod virtio;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod uapi_check;
