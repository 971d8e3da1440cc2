//! The driver's view of packet memory: 32-bit handles, each naming one DMA-able buffer.
//! The driver never decides how buffers are allocated, sized or recycled; the core mempool
//! (or the test `DmaPool` below) does, by implementing `DmaBuffers`.
//!
//! Buffer layout shared with the core mempool: [64 B metadata | 128 B headroom | data].
//! Metadata word at offset 0: u16 data_off (from buffer start), offset 2: u16 data_len.
//! RX places the virtio_net_hdr in the headroom right before the packet, TX writes it there,
//! so one descriptor covers header + packet and nothing is copied.
use crate::bind::dma::DmaArea;
use crate::error::{Error, Result};
use std::cell::RefCell;
use std::rc::Rc;

pub const META_LEN: u16 = 64;
pub const HEADROOM: u16 = 128;
pub const DATA_LEN: usize = 2048;
pub const BUF_LEN: usize = META_LEN as usize + HEADROOM as usize + DATA_LEN;

/// # Safety
/// Implementors promise: for a handle obtained from `alloc_burst` and not yet freed,
/// `virt(h)` points to `buf_len()` writable bytes the caller may access, `iova(h)` is the
/// device address of the same bytes (contiguous for the device over `buf_len()`), and both
/// stay valid until the handle is freed. Handles not from this pool must be rejected (panic),
/// never turned into a pointer.
pub unsafe trait DmaBuffers {
    /// Fill `out` with fresh handles; returns how many (0 when exhausted).
    fn alloc_burst(&mut self, out: &mut [u32]) -> usize;
    fn free_burst(&mut self, h: &[u32]);
    fn virt(&self, h: u32) -> *mut u8;
    fn iova(&self, h: u32) -> u64;
    /// Total bytes of a buffer from its start (metadata included).
    fn buf_len(&self) -> usize;
    /// Where received data starts (from buffer start); the header goes just before it.
    fn rx_data_off(&self) -> u16 {
        META_LEN + HEADROOM
    }
    fn data_off(&self, h: u32) -> u16 {
        // SAFETY: the metadata word is inside the buffer (trait contract).
        unsafe { std::ptr::read_unaligned(self.virt(h) as *const u16) }
    }
    fn data_len(&self, h: u32) -> u16 {
        // SAFETY: as above.
        unsafe { std::ptr::read_unaligned(self.virt(h).add(2) as *const u16) }
    }
    fn set_data(&mut self, h: u32, off: u16, len: u16) {
        let p = self.virt(h);
        // SAFETY: as above.
        unsafe {
            std::ptr::write_unaligned(p as *mut u16, off);
            std::ptr::write_unaligned(p.add(2) as *mut u16, len);
        }
    }
}

/// Share one pool between several ports (e.g. a forwarder: RX on one NIC, TX on another).
// SAFETY: forwards to T, which upholds the contract.
unsafe impl<T: DmaBuffers> DmaBuffers for Rc<RefCell<T>> {
    fn alloc_burst(&mut self, out: &mut [u32]) -> usize {
        self.borrow_mut().alloc_burst(out)
    }
    fn free_burst(&mut self, h: &[u32]) {
        self.borrow_mut().free_burst(h)
    }
    fn virt(&self, h: u32) -> *mut u8 {
        self.borrow().virt(h)
    }
    fn iova(&self, h: u32) -> u64 {
        self.borrow().iova(h)
    }
    fn buf_len(&self) -> usize {
        self.borrow().buf_len()
    }
    fn rx_data_off(&self) -> u16 {
        self.borrow().rx_data_off()
    }
}

/// A simple fixed-size pool on one `DmaArea`, for tests and examples. Buffers never straddle a
/// page (hugepages hold 936 buffers each; with 4 KiB pages, one buffer per page so physical
/// addressing stays valid without hugepages).
pub struct DmaPool {
    area: DmaArea,
    count: u32,
    per_page: usize,
    stride: usize,
    free: Vec<u32>,
}

impl DmaPool {
    pub fn new(count: u32) -> Result<DmaPool> {
        // Probe the page size with a tiny area first? No: size for hugepages, and if the
        // kernel gives 4 KiB pages instead, re-allocate with one buffer per page.
        let huge = 2usize << 20;
        let per_huge = huge / BUF_LEN;
        let area = DmaArea::new((count as usize).div_ceil(per_huge) * huge)?;
        let area = if area.page_size() == 4096 {
            drop(area);
            DmaArea::new(count as usize * 4096)?
        } else {
            area
        };
        let page = area.page_size();
        let stride = if page == 4096 { 4096 } else { BUF_LEN };
        let per_page = page / stride;
        if count == 0 {
            return Err(Error::InvalidArgument("DmaPool of 0 buffers".into()));
        }
        Ok(DmaPool { area, count, per_page, stride, free: (0..count).rev().collect() })
    }

    fn off(&self, h: u32) -> usize {
        assert!(h < self.count, "buffer handle {h} not from this pool");
        (h as usize / self.per_page) * self.area.page_size() + (h as usize % self.per_page) * self.stride
    }

    pub fn available(&self) -> usize {
        self.free.len()
    }
    pub fn capacity(&self) -> usize {
        self.count as usize
    }
}

// SAFETY: offsets come from `off`, which rejects foreign handles and never crosses a page.
unsafe impl DmaBuffers for DmaPool {
    fn alloc_burst(&mut self, out: &mut [u32]) -> usize {
        let n = out.len().min(self.free.len());
        for o in out.iter_mut().take(n) {
            let h = self.free.pop().unwrap();
            *o = h;
            self.set_data(h, META_LEN + HEADROOM, 0);
        }
        n
    }
    fn free_burst(&mut self, h: &[u32]) {
        for &x in h {
            assert!(x < self.count, "buffer handle {x} not from this pool");
            self.free.push(x);
        }
    }
    fn virt(&self, h: u32) -> *mut u8 {
        // SAFETY: off(h) + BUF_LEN is inside the area.
        unsafe { self.area.as_ptr().add(self.off(h)) }
    }
    fn iova(&self, h: u32) -> u64 {
        self.area.iova(self.off(h))
    }
    fn buf_len(&self) -> usize {
        BUF_LEN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_hands_out_distinct_buffers_with_metadata() {
        let mut p = DmaPool::new(100).unwrap();
        let mut h = [0u32; 100];
        assert_eq!(p.alloc_burst(&mut h), 100);
        assert_eq!(p.alloc_burst(&mut h[..1]), 0);
        let mut v: Vec<usize> = h.iter().map(|&x| p.virt(x) as usize).collect();
        v.sort();
        assert!(v.windows(2).all(|w| w[1] - w[0] >= BUF_LEN), "buffers overlap");
        assert_eq!(p.data_off(h[3]), META_LEN + HEADROOM);
        p.set_data(h[3], 200, 60);
        assert_eq!((p.data_off(h[3]), p.data_len(h[3])), (200, 60));
        p.free_burst(&h);
        assert_eq!(p.available(), 100);
    }
}
