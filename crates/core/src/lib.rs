//! Ringway core: packet memory, shared rings, ports and user-space drivers.
//! Pure Rust: nothing here knows about Node-API (see crates/node for the binding).
pub mod error;
pub mod bind;
pub mod pci;
pub mod virtio;
