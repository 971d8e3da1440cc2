//! uio_pci_generic route: no IOMMU, so the device sees physical addresses.
//! Config space through sysfs `config`, BARs through sysfs `resourceN` (mmap for memory BARs,
//! pread/pwrite for I/O BARs). The /dev/uioN interrupt file is opened only for interrupt mode
//! (`open_irq`, virtio/irq.rs).
//! Trade-off: no DMA isolation at all (a buggy device or driver can write anywhere in RAM),
//! and IOVAs are physical addresses from pagemap, which needs root and pinned memory.
use super::dma;
use crate::error::{Error, Result};
use crate::pci::{sysfs, Bdf};
use std::fs::{File, OpenOptions};
use std::path::Path;

pub struct UioDevice {
    pub bdf: Bdf,
}

impl UioDevice {
    pub fn open(bdf: Bdf) -> Result<UioDevice> {
        dma::claim_mode(dma::IovaMode::Phys)?;
        Ok(UioDevice { bdf })
    }

    pub fn open_file(&self, name: &str) -> Result<File> {
        let p = sysfs::dev_path(self.bdf).join(name);
        OpenOptions::new().read(true).write(true).open(&p).map_err(|e| Error::Io(format!("open {}: {e}", p.display())))
    }

    /// (start, end, flags) of BAR `i` from sysfs `resource`; flags bit 0 = I/O space.
    pub fn resource(&self, i: usize) -> Result<(u64, u64, u64)> {
        let p = sysfs::dev_path(self.bdf).join("resource");
        let s = std::fs::read_to_string(&p).map_err(|e| Error::Io(format!("read {}: {e}", p.display())))?;
        let line = s.lines().nth(i).ok_or_else(|| Error::Malformed(format!("{}: no line {i}", p.display())))?;
        let v: Vec<u64> = line.split_whitespace().filter_map(|t| u64::from_str_radix(t.trim_start_matches("0x"), 16).ok()).collect();
        match v[..] {
            [a, b, f] => Ok((a, b, f)),
            _ => Err(Error::Malformed(format!("{}: bad line {line:?}", p.display()))),
        }
    }

    /// The function's /dev/uioN (found through sysfs `uio/uioN`), non-blocking. The uio
    /// documentation's model (Documentation/driver-api/uio-howto.rst): read() or poll() on it
    /// waits for the next interrupt; read() returns the 32-bit interrupt count. uio_pci_generic
    /// masks INTx in its handler (PCI command register bit 10, INTx disable), so the waiter clears
    /// that bit again after each interrupt.
    pub fn open_irq(&self) -> Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = sysfs::dev_path(self.bdf).join("uio");
        let name = std::fs::read_dir(&dir)
            .map_err(|e| Error::Io(format!("{}: {e} (is the function bound to uio_pci_generic?)", dir.display())))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .find(|n| n.starts_with("uio"))
            .ok_or_else(|| Error::Device(format!("{}: no uioN entry", dir.display())))?;
        let p = Path::new("/dev").join(&name);
        OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&p)
            .map_err(|e| Error::Io(format!("open {}: {e}", p.display())))
    }

    pub fn has_resource_file(&self, i: usize) -> bool {
        Path::new(&sysfs::dev_path(self.bdf).join(format!("resource{i}"))).exists()
    }
}

impl Drop for UioDevice {
    fn drop(&mut self) {
        // The physical-address mode is process-wide and counted per open device.
        dma::release_mode();
    }
}
