//! Device addresses (IOVAs) of region pages.
//!
//! Without an IOMMU (uio_pci_generic, vfio no-IOMMU) a device needs physical addresses, which the
//! kernel reveals in /proc/self/pagemap (bits 0-54 = PFN, bit 63 = present; PFNs read as 0 without
//! CAP_SYS_ADMIN). With vfio and an IOMMU the IOVA is whatever we map with VFIO_IOMMU_MAP_DMA
//! (bind/dma.rs allocates IOVA ranges from 4 GiB up: IOVA = VA does not fit a 39-bit vIOMMU).
use crate::error::{Error, Result};
use std::io::{Read, Seek, SeekFrom};

/// Physical address of the byte at `vaddr` in this process (page must be present: populated+locked).
pub fn phys_addr(vaddr: usize) -> Result<u64> {
    let page = crate::mem::SMALL_PAGE;
    let mut f = std::fs::File::open("/proc/self/pagemap").map_err(|e| Error::Io(format!("open /proc/self/pagemap: {e}")))?;
    f.seek(SeekFrom::Start((vaddr / page * 8) as u64)).map_err(|e| Error::Io(format!("seek pagemap: {e}")))?;
    let mut b = [0u8; 8];
    f.read_exact(&mut b).map_err(|e| Error::Io(format!("read pagemap: {e}")))?;
    let e = u64::from_le_bytes(b);
    if e >> 63 == 0 {
        return Err(Error::Device(format!("page at {vaddr:#x} is not present; packet memory must be populated and locked")));
    }
    let pfn = e & ((1 << 55) - 1);
    if pfn == 0 {
        return Err(Error::Device(
            "physical addresses are hidden (pagemap PFN reads 0): run as root (CAP_SYS_ADMIN) to use a NIC without an IOMMU, or use vfio-pci with an IOMMU".into(),
        ));
    }
    Ok(pfn * page as u64 + (vaddr % page) as u64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn pagemap_gives_an_address_as_root() {
        let v = vec![1u8; 4096];
        match super::phys_addr(v.as_ptr() as usize) {
            Ok(pa) => assert_eq!(pa % 4096, v.as_ptr() as u64 % 4096),
            Err(e) => assert!(e.to_string().contains("root") || e.to_string().contains("present"), "{e}"),
        }
    }
}
