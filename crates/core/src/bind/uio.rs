//! uio_pci_generic route: no IOMMU, so the device sees physical addresses.
//! Config space through sysfs `config`, BARs through sysfs `resourceN` (mmap for memory BARs,
//! pread/pwrite for I/O BARs). We poll, so the /dev/uioN interrupt file is never opened.
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
