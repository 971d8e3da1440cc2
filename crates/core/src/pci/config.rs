//! PCI configuration space through a file: the vfio device fd at the config region offset, or
//! sysfs `config` for uio. pread/pwrite keep the kernel in the loop (it virtualizes some
//! registers under vfio), which is what we want for the few accesses done at setup time.
use crate::error::{Error, Result};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// PCI 3.0 §6.1 header offsets used here.
pub const STATUS: u64 = 0x06;
pub const COMMAND: u64 = 0x04;
pub const CAP_PTR: u64 = 0x34;
const STATUS_CAP_LIST: u16 = 1 << 4;
const CMD_IO: u16 = 1 << 0;
const CMD_MEM: u16 = 1 << 1;
const CMD_BUS_MASTER: u16 = 1 << 2;
/// PCI Local Bus 3.0 §6.2.2 Command register bit 10: Interrupt Disable (INTx# masked when set)
const CMD_INTX_DISABLE: u16 = 1 << 10;
pub const CAP_ID_VENDOR: u8 = 0x09;
pub const CAP_ID_MSIX: u8 = 0x11;

pub struct ConfigSpace {
    file: Arc<File>,
    base: u64,
    len: u64,
}

impl ConfigSpace {
    pub fn new(file: Arc<File>, base: u64, len: u64) -> ConfigSpace {
        ConfigSpace { file, base, len }
    }

    fn check(&self, off: u64, n: u64) -> Result<()> {
        if off + n > self.len {
            return Err(Error::InvalidArgument(format!("config access {off:#x}+{n} beyond {:#x}", self.len)));
        }
        Ok(())
    }

    pub fn read(&self, off: u64, buf: &mut [u8]) -> Result<()> {
        self.check(off, buf.len() as u64)?;
        self.file.read_exact_at(buf, self.base + off).map_err(|e| Error::Io(format!("config read at {off:#x}: {e}")))
    }

    pub fn write(&self, off: u64, buf: &[u8]) -> Result<()> {
        self.check(off, buf.len() as u64)?;
        self.file.write_all_at(buf, self.base + off).map_err(|e| Error::Io(format!("config write at {off:#x}: {e}")))
    }

    pub fn read8(&self, off: u64) -> Result<u8> {
        let mut b = [0u8; 1];
        self.read(off, &mut b)?;
        Ok(b[0])
    }
    pub fn read16(&self, off: u64) -> Result<u16> {
        let mut b = [0u8; 2];
        self.read(off, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }
    pub fn read32(&self, off: u64) -> Result<u32> {
        let mut b = [0u8; 4];
        self.read(off, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    pub fn write16(&self, off: u64, v: u16) -> Result<()> {
        self.write(off, &v.to_le_bytes())
    }

    /// Walk the standard capability list (PCI 3.0 §6.7): (offset, id) pairs.
    /// Bounded to 48 entries so a looping list from a broken device cannot hang us.
    pub fn capabilities(&self) -> Result<Vec<(u8, u8)>> {
        let mut caps = Vec::new();
        if self.read16(STATUS)? & STATUS_CAP_LIST == 0 {
            return Ok(caps);
        }
        let mut p = self.read8(CAP_PTR)? & 0xfc;
        while p >= 0x40 && caps.len() < 48 {
            caps.push((p, self.read8(p as u64)?));
            p = self.read8(p as u64 + 1)? & 0xfc;
        }
        Ok(caps)
    }

    /// Let the device master the bus (DMA into our rings) and decode its BARs.
    /// Neither vfio-pci nor uio_pci_generic sets bus mastering for us.
    pub fn enable_bus_master(&self) -> Result<()> {
        let cmd = self.read16(COMMAND)?;
        self.write16(COMMAND, cmd | CMD_BUS_MASTER | CMD_MEM | CMD_IO)
    }

    /// The command register as (fd, file offset), for a watchdog process that must clear bus
    /// mastering with one pwrite after this process died (bind/watchdog.rs).
    pub fn command_reg(&self) -> (std::os::fd::RawFd, u64) {
        use std::os::fd::AsRawFd;
        (self.file.as_raw_fd(), self.base + COMMAND)
    }

    /// Stop DMA: used on close so a reset device cannot scribble on freed memory.
    pub fn disable_bus_master(&self) -> Result<()> {
        let cmd = self.read16(COMMAND)?;
        self.write16(COMMAND, cmd & !CMD_BUS_MASTER)
    }

    /// Mask (true) or unmask INTx through the command register's Interrupt Disable bit. uio_pci_generic
    /// sets the bit in its interrupt handler (pci_check_and_mask_intx), so a user-space driver
    /// waiting for the next interrupt clears it after each one.
    pub fn set_intx_disabled(&self, off: bool) -> Result<()> {
        let cmd = self.read16(COMMAND)?;
        let want = if off { cmd | CMD_INTX_DISABLE } else { cmd & !CMD_INTX_DISABLE };
        if want != cmd {
            self.write16(COMMAND, want)?;
        }
        Ok(())
    }

    /// Is MSI-X enabled? The legacy virtio register layout shifts when it is.
    pub fn msix_enabled(&self) -> Result<bool> {
        for (off, id) in self.capabilities()? {
            if id == CAP_ID_MSIX {
                return Ok(self.read16(off as u64 + 2)? & 0x8000 != 0);
            }
        }
        Ok(false)
    }
}
