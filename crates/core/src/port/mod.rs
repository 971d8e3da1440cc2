//! Ports: one API over every backend. A port has N RX and N TX queues and moves bursts of buffer
//! handles (DPDK semantics: rx_burst returns how many arrived; tx_burst how many were accepted,
//! the rest stay the caller's).
//!
//! Backends whose work is pure shared-memory bookkeeping (null, ring) run in the worker's own
//! language (src/port/*.ts) with no N-API crossing at all; backends that need the kernel, files or
//! hardware (pcap, virtio, and the kernel-interface ports af_packet, tap, af_xdp) implement
//! `NativePort` here and cost one crossing per burst.
pub mod af_packet;
pub mod kernel_port;
pub mod layout;
pub mod netdev;
pub mod pcap;
pub mod ringpair;
pub mod shared;
pub mod spec;
pub mod tap;
pub mod uapi;
pub mod virtio;
pub mod xdp;
pub mod xdp_features;

pub use shared::PortBlock;
pub use spec::{parse, PortSpec};

use crate::error::Result;

/// A backend driven from Rust. Each queue is used by one thread at a time (its worker); methods
/// take &self so different queues can run on different threads.
pub trait NativePort: Send + Sync {
    fn rx_burst(&self, queue: u16, out: &mut [u32]) -> usize;
    fn tx_burst(&self, queue: u16, pkts: &[u32]) -> usize;
    /// Why RX on `queue` stopped, if it stopped on an error (a corrupt capture file); the port
    /// also sets the queue's PORT_Q_RX_ERR word and counts the error in ierrors.
    fn rx_error(&self, _queue: u16) -> Option<String> {
        None
    }
    /// Releases everything (buffers back to the pool, files flushed, device reset). Idempotent.
    fn close(&self) -> Result<()>;
    /// The port's id (known once registered), written into received packets' META_PORT.
    fn set_port_id(&self, _id: u16) {}
    /// Kernel-interface ports: the interface, the mode in use and why; re-reads link and MTU.
    fn kernel_info(&self) -> Option<netdev::KernelInfo> {
        None
    }
}
