//! virtio-net user-space driver (virtio 1.2, split virtqueues, PCI transport modern + legacy).
//! See docs/virtio.md for the map from spec sections to code.
pub mod buffers;
pub mod framing;
#[cfg(test)]
mod framing_tests;
#[cfg(test)]
pub(crate) mod hostile;
pub mod irq;
pub mod mergeable;
pub mod net;
pub mod pool_dma;
pub mod spec;
pub mod split;
#[cfg(test)]
pub(crate) mod testdev;
pub mod transport_legacy;
pub mod transport_modern;
pub mod virtqueue;

pub use buffers::{DmaBuffers, DmaPool};
pub use net::{Config, Stats, TransportKind, VirtioNet};
pub use pool_dma::PoolDma;

use crate::error::Result;

/// What the device-independent init sequence needs from a PCI transport (§4.1.4 modern
/// capabilities, or the §4.1.4 legacy I/O layout note). Sync: after `VirtioNet::split` the
/// per-queue parts share it and kick their own queues concurrently (`notify` is one register
/// store per call); the select-then-access registers (features, queue set-up, vectors) are used
/// only before the split.
pub trait Transport: Send + Sync {
    fn name(&self) -> &'static str;
    /// Legacy devices: 32 feature bits, no FEATURES_OK, page-number queue addresses.
    fn is_legacy(&self) -> bool;
    fn status(&self) -> Result<u8>;
    fn set_status(&self, s: u8) -> Result<()>;
    /// Write 0 to the status and wait until the device reads back 0.
    fn reset(&self) -> Result<()>;
    fn device_features(&self) -> Result<u64>;
    fn set_driver_features(&self, f: u64) -> Result<()>;
    /// Largest size the device supports for queue `q` (0: queue does not exist).
    fn queue_max(&self, q: u16) -> Result<u16>;
    /// Program queue `q` with our ring addresses and enable it.
    fn setup_queue(&mut self, q: u16, size: u16, desc: u64, avail: u64, used: u64) -> Result<()>;
    /// §2.9 / §4.1.5.2: available buffer notification ("kick").
    fn notify(&self, q: u16) -> Result<()>;
    /// Device-specific configuration (§5.1.4 for net), byte `off`.
    fn config8(&self, off: usize) -> Result<u8>;
    /// Generation counter for consistent multi-byte config reads (legacy: always 0).
    fn config_generation(&self) -> Result<u8>;
    /// The device status register (§2.1) as a raw register, for the uio watchdog that resets
    /// the device after this process died (bind/watchdog.rs). None: no watchdog possible.
    fn status_reg(&self) -> Option<crate::pci::bar::RawReg> {
        None
    }
    /// §4.1.4.5 ISR status (modern: the ISR capability; legacy: I/O offset 19): reading it returns
    /// bit 0 (a queue interrupt) / bit 1 (config change) and de-asserts the INTx line. Only INTx
    /// needs it (MSI-X vectors are edge messages).
    fn read_isr(&self) -> Result<u8> {
        Err(crate::error::Error::Unsupported("this transport has no ISR register".into()))
    }
    /// §4.1.5.1.2 / §4.1.4.3 queue_msix_vector: route queue `q`'s used-buffer notifications to
    /// MSI-X vector `v` (NO_VECTOR = none). Returns what the device read back (NO_VECTOR when it
    /// could not allocate the vector, §4.1.5.1.2.1).
    fn set_queue_vector(&self, _q: u16, _v: u16) -> Result<u16> {
        Err(crate::error::Error::Unsupported("MSI-X vectors on this transport".into()))
    }
}
