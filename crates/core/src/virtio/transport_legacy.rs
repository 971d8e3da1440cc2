//! Legacy virtio-pci transport (virtio 1.2 §4.1.4, subsection "Legacy Interfaces: A Note on PCI Device
//! Layout"): one I/O-port BAR0 with fixed registers. Transitional devices offer it next to the
//! modern capabilities; we use it only when asked to, or when no modern capability exists.
//! Limits: 32 feature bits (no VERSION_1), queue size fixed by the device, and the whole ring
//! must be physically contiguous at a 4096-aligned address (§2.7.2).
use super::spec::pci::*;
use super::Transport;
use crate::bind::Device;
use crate::error::{Error, Result};
use crate::pci::bar::Bar;

pub struct Legacy {
    bar: Bar,
    config: usize,
}

impl Legacy {
    pub fn probe(dev: &Device) -> Result<Legacy> {
        let bar = dev.map_bar(0)?;
        if matches!(bar, Bar::Mmio { .. }) {
            return Err(Error::Unsupported(format!("{}: BAR0 is not an I/O BAR: not a legacy/transitional virtio device", dev.bdf)));
        }
        // Device config follows the common header; two MSI-X vector registers are inserted
        // before it when MSI-X is enabled.
        let config = if dev.config.msix_enabled()? { LEGACY_CONFIG_MSIX } else { LEGACY_CONFIG };
        Ok(Legacy { bar, config })
    }
}

impl Transport for Legacy {
    fn status_reg(&self) -> Option<crate::pci::bar::RawReg> {
        self.bar.raw_reg(LEGACY_STATUS)
    }
    fn name(&self) -> &'static str {
        "legacy"
    }
    fn is_legacy(&self) -> bool {
        true
    }
    fn status(&self) -> Result<u8> {
        self.bar.read8(LEGACY_STATUS)
    }
    fn set_status(&self, s: u8) -> Result<()> {
        self.bar.write8(LEGACY_STATUS, s)
    }
    fn reset(&self) -> Result<()> {
        // Legacy reset is synchronous: the write completes the reset. Read back to flush.
        self.set_status(0)?;
        self.status().map(|_| ())
    }
    fn device_features(&self) -> Result<u64> {
        Ok(self.bar.read32(LEGACY_HOST_FEATURES)? as u64)
    }
    fn set_driver_features(&self, f: u64) -> Result<()> {
        self.bar.write32(LEGACY_GUEST_FEATURES, f as u32)
    }
    fn queue_max(&self, q: u16) -> Result<u16> {
        self.bar.write16(LEGACY_QUEUE_SELECT, q)?;
        self.bar.read16(LEGACY_QUEUE_SIZE)
    }
    fn setup_queue(&mut self, q: u16, size: u16, desc: u64, avail: u64, used: u64) -> Result<()> {
        // The device derives avail/used from the descriptor address and its own queue size,
        // so our layout must match exactly what it will compute.
        let n = size as u64;
        let exp_used = (desc + 16 * n + 6 + 2 * n).next_multiple_of(LEGACY_RING_ALIGN as u64);
        if self.queue_max(q)? != size || avail != desc + 16 * n || used != exp_used || !desc.is_multiple_of(4096) {
            return Err(Error::Device(format!("queue {q}: ring layout does not match the legacy layout")));
        }
        let pfn = desc >> LEGACY_PFN_SHIFT;
        if pfn > u32::MAX as u64 {
            return Err(Error::Unsupported(format!("queue {q}: ring above 16 TiB cannot be given to a legacy device")));
        }
        self.bar.write16(LEGACY_QUEUE_SELECT, q)?;
        self.bar.write32(LEGACY_QUEUE_PFN, pfn as u32)
    }
    fn notify(&self, q: u16) -> Result<()> {
        self.bar.write16(LEGACY_QUEUE_NOTIFY, q)
    }
    fn config8(&self, off: usize) -> Result<u8> {
        self.bar.read8(self.config + off)
    }
    fn read_isr(&self) -> Result<u8> {
        // §4.1.4 legacy layout: ISR status at offset 19; reading clears it and de-asserts INTx.
        self.bar.read8(LEGACY_ISR)
    }
    fn config_generation(&self) -> Result<u8> {
        Ok(0)
    }
}
