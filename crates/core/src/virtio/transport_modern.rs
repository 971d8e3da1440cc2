//! Modern virtio-pci transport (virtio 1.2 §4.1.4): registers found through vendor-specific
//! PCI capabilities, each a window (bar, offset, length) into a memory BAR.
use super::spec::pci::*;
use super::Transport;
use crate::bind::Device;
use crate::error::{Error, Result};
use crate::pci::bar::Bar;
use crate::pci::config::CAP_ID_VENDOR;

#[derive(Clone, Copy)]
struct Window {
    bar: usize,
    off: usize,
    len: usize,
}

pub struct Modern {
    bars: Vec<Option<Bar>>,
    common: Window,
    notify: Window,
    notify_mult: u32,
    device: Window,
    /// §4.1.4.5 ISR status capability (INTx interrupt mode only)
    isr: Option<Window>,
    /// Per queue: byte offset of its notify register in the notify window.
    notify_off: Vec<Option<usize>>,
}

impl Modern {
    /// §4.1.4.1: find the capabilities; the first of each type is the preferred one.
    /// Returns Ok(None) when the device has no common-cfg capability (legacy-only device).
    pub fn probe(dev: &Device) -> Result<Option<Modern>> {
        let cfg = &dev.config;
        let (mut common, mut notify, mut device, mut isr) = (None, None, None, None);
        let mut notify_mult = 0;
        for (cap, id) in cfg.capabilities()? {
            if id != CAP_ID_VENDOR {
                continue;
            }
            let c = cap as u64;
            let typ = cfg.read8(c + CAP_CFG_TYPE)?;
            let w = Window {
                bar: cfg.read8(c + CAP_BAR)? as usize,
                off: cfg.read32(c + CAP_OFFSET)? as usize,
                len: cfg.read32(c + CAP_LENGTH)? as usize,
            };
            // §4.1.4.1: BAR values above 5 are reserved; skip such capabilities.
            if w.bar > 5 {
                continue;
            }
            match typ {
                CAP_COMMON_CFG if common.is_none() => common = Some(w),
                CAP_NOTIFY_CFG if notify.is_none() => {
                    notify = Some(w);
                    notify_mult = cfg.read32(c + CAP_NOTIFY_MULT)?;
                }
                CAP_DEVICE_CFG if device.is_none() => device = Some(w),
                CAP_ISR_CFG if isr.is_none() && w.len >= 1 => isr = Some(w),
                _ => {}
            }
        }
        let Some(common) = common else { return Ok(None) };
        let missing = |what| Error::Device(format!("{}: virtio modern device without a {what} capability", dev.bdf));
        let notify = notify.ok_or_else(|| missing("notify"))?;
        let device = device.ok_or_else(|| missing("device config"))?;
        let mut bars: Vec<Option<Bar>> = (0..6).map(|_| None).collect();
        for w in [common, notify, device] {
            if bars[w.bar].is_none() {
                bars[w.bar] = Some(dev.map_bar(w.bar)?);
            }
            // Never trust a window to lie inside its BAR: check once here, and the BAR helper
            // bounds-checks every access again.
            let blen = bars[w.bar].as_ref().unwrap().len();
            if w.off.checked_add(w.len).is_none_or(|e| e > blen) {
                return Err(Error::Device(format!("{}: capability window {:#x}+{:#x} outside BAR{}", dev.bdf, w.off, w.len, w.bar)));
            }
        }
        // The ISR window is optional for us (polling never reads it): mapped when it fits its BAR.
        let isr = match isr {
            Some(w) => {
                if bars[w.bar].is_none() {
                    bars[w.bar] = dev.map_bar(w.bar).ok();
                }
                bars[w.bar].as_ref().filter(|b| w.off.checked_add(1).is_some_and(|e| e <= b.len())).map(|_| w)
            }
            None => None,
        };
        if common.len < COMMON_CFG_MIN_LEN {
            return Err(Error::Device(format!("{}: common cfg window too short ({:#x})", dev.bdf, common.len)));
        }
        Ok(Some(Modern { bars, common, notify, notify_mult, device, isr, notify_off: Vec::new() }))
    }

    fn bar(&self, w: Window) -> &Bar {
        self.bars[w.bar].as_ref().unwrap()
    }
    fn c8(&self, r: usize) -> Result<u8> {
        self.bar(self.common).read8(self.common.off + r)
    }
    fn c16(&self, r: usize) -> Result<u16> {
        self.bar(self.common).read16(self.common.off + r)
    }
    fn c32(&self, r: usize) -> Result<u32> {
        self.bar(self.common).read32(self.common.off + r)
    }
    fn w8(&self, r: usize, v: u8) -> Result<()> {
        self.bar(self.common).write8(self.common.off + r, v)
    }
    fn w16(&self, r: usize, v: u16) -> Result<()> {
        self.bar(self.common).write16(self.common.off + r, v)
    }
    fn w32(&self, r: usize, v: u32) -> Result<()> {
        self.bar(self.common).write32(self.common.off + r, v)
    }
    /// §4.1.3.1: 64-bit fields may be written as two 32-bit halves, low first.
    fn w64(&self, r: usize, v: u64) -> Result<()> {
        self.w32(r, v as u32)?;
        self.w32(r + 4, (v >> 32) as u32)
    }
}

impl Transport for Modern {
    fn status_reg(&self) -> Option<crate::pci::bar::RawReg> {
        self.bar(self.common).raw_reg(self.common.off + DEVICE_STATUS)
    }
    fn name(&self) -> &'static str {
        "modern"
    }
    fn is_legacy(&self) -> bool {
        false
    }
    fn status(&self) -> Result<u8> {
        self.c8(DEVICE_STATUS)
    }
    fn set_status(&self, s: u8) -> Result<()> {
        self.w8(DEVICE_STATUS, s)
    }
    fn reset(&self) -> Result<()> {
        // §4.1.4.3.2: after writing 0, wait for device_status to read back 0 before reuse.
        self.set_status(0)?;
        for _ in 0..1000 {
            if self.status()? == 0 {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        Err(Error::Device("virtio reset did not complete within 1 s".into()))
    }
    fn device_features(&self) -> Result<u64> {
        // §4.1.4.3: select the 32-bit half, then read it.
        self.w32(DEVICE_FEATURE_SELECT, 0)?;
        let lo = self.c32(DEVICE_FEATURE)? as u64;
        self.w32(DEVICE_FEATURE_SELECT, 1)?;
        let hi = self.c32(DEVICE_FEATURE)? as u64;
        Ok(lo | hi << 32)
    }
    fn set_driver_features(&self, f: u64) -> Result<()> {
        self.w32(DRIVER_FEATURE_SELECT, 0)?;
        self.w32(DRIVER_FEATURE, f as u32)?;
        self.w32(DRIVER_FEATURE_SELECT, 1)?;
        self.w32(DRIVER_FEATURE, (f >> 32) as u32)
    }
    fn queue_max(&self, q: u16) -> Result<u16> {
        if q >= self.c16(NUM_QUEUES)? {
            return Ok(0);
        }
        self.w16(QUEUE_SELECT, q)?;
        self.c16(QUEUE_SIZE)
    }
    fn setup_queue(&mut self, q: u16, size: u16, desc: u64, avail: u64, used: u64) -> Result<()> {
        // §4.1.5.1.3 Virtqueue Configuration: select, size, no vector (we poll), addresses,
        // read the notify offset, then enable.
        self.w16(QUEUE_SELECT, q)?;
        self.w16(QUEUE_SIZE, size)?;
        self.w16(QUEUE_MSIX_VECTOR, NO_VECTOR)?;
        self.w64(QUEUE_DESC, desc)?;
        self.w64(QUEUE_DRIVER, avail)?;
        self.w64(QUEUE_DEVICE, used)?;
        // §4.1.4.4: queue's notify address = cap.offset + queue_notify_off * multiplier.
        let off = self.c16(QUEUE_NOTIFY_OFF)? as usize * self.notify_mult as usize;
        if off + 2 > self.notify.len {
            return Err(Error::Device(format!("queue {q}: notify offset {off:#x} outside the notify window")));
        }
        if self.notify_off.len() <= q as usize {
            self.notify_off.resize(q as usize + 1, None);
        }
        self.notify_off[q as usize] = Some(off);
        self.w16(QUEUE_ENABLE, 1)
    }
    fn notify(&self, q: u16) -> Result<()> {
        // §4.1.5.2: write the queue index to its notify address.
        let off =
            self.notify_off.get(q as usize).copied().flatten().ok_or_else(|| Error::InvalidArgument(format!("queue {q} not set up")))?;
        self.bar(self.notify).write16(self.notify.off + off, q)
    }
    fn config8(&self, off: usize) -> Result<u8> {
        if off >= self.device.len {
            return Err(Error::InvalidArgument(format!("device config offset {off:#x} beyond {:#x}", self.device.len)));
        }
        self.bar(self.device).read8(self.device.off + off)
    }
    fn config_generation(&self) -> Result<u8> {
        self.c8(CONFIG_GENERATION)
    }
    fn read_isr(&self) -> Result<u8> {
        // §4.1.4.5.1: the device clears the ISR status (and de-asserts INTx) on this read.
        let w = self.isr.ok_or_else(|| Error::Unsupported("device has no ISR capability".into()))?;
        self.bar(w).read8(w.off)
    }
    fn set_queue_vector(&self, q: u16, v: u16) -> Result<u16> {
        // §4.1.5.1.2: select the queue, write its vector, read back to learn whether the device
        // could allocate it (NO_VECTOR if not).
        self.w16(QUEUE_SELECT, q)?;
        self.w16(QUEUE_MSIX_VECTOR, v)?;
        self.c16(QUEUE_MSIX_VECTOR)
    }
}
