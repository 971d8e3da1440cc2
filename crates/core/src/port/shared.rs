//! A port's shared block (layout.rs) as seen from Rust: counters and the handle exchange area.
use super::layout::*;
use crate::error::{Error, Result};
use crate::mem::region::{HugePolicy, LockPolicy, Region};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

pub struct PortBlock {
    region: Arc<Region>,
    n_queues: usize,
}

impl PortBlock {
    pub fn create(kind: u32, n_queues: usize, mac: [u8; 6], pool_id: u32) -> Result<PortBlock> {
        if n_queues == 0 || n_queues > PORT_MAX_QUEUES {
            return Err(Error::InvalidArgument(format!("{n_queues} queues: a port has 1 to {PORT_MAX_QUEUES}")));
        }
        let region = Arc::new(Region::create("port", port_bytes(n_queues), HugePolicy::Never, LockPolicy::BestEffort)?);
        let b = PortBlock { region, n_queues };
        b.word(4).store(PORT_VERSION, Relaxed);
        b.word(PORT_OFF_KIND).store(kind, Relaxed);
        b.word(PORT_OFF_NQ).store(n_queues as u32, Relaxed);
        b.word(PORT_OFF_MTU).store(1500, Relaxed);
        b.word(PORT_OFF_POOL).store(pool_id, Relaxed);
        b.set_mac(mac);
        b.set_link(true, 0);
        // Release: pairs with the Acquire magic check of views (src/port/port.ts).
        b.word(0).store(PORT_MAGIC, std::sync::atomic::Ordering::Release);
        Ok(b)
    }

    pub fn region(&self) -> &Arc<Region> {
        &self.region
    }
    pub fn n_queues(&self) -> usize {
        self.n_queues
    }

    fn word(&self, off: usize) -> &AtomicU32 {
        assert!(off + 4 <= PORT_Q_OFF && off.is_multiple_of(4));
        // SAFETY: header offsets are inside the region and aligned.
        unsafe { &*(self.region.as_ptr().add(off) as *const AtomicU32) }
    }

    pub fn set_mac(&self, mac: [u8; 6]) {
        // SAFETY: 6 bytes at PORT_OFF_MAC lie inside the header.
        unsafe { std::ptr::copy_nonoverlapping(mac.as_ptr(), self.region.as_ptr().add(PORT_OFF_MAC), 6) }
    }

    pub fn set_mtu(&self, mtu: u32) {
        self.word(PORT_OFF_MTU).store(mtu, Relaxed);
    }

    pub fn set_link(&self, up: bool, speed_mbps: u32) {
        self.word(PORT_OFF_LINK).store(up as u32, Relaxed);
        self.word(PORT_OFF_SPEED).store(speed_mbps, Relaxed);
    }

    /// A counter of queue q (f64 bits; written only by the queue's owner).
    pub fn counter(&self, q: u16, off: usize) -> &AtomicU64 {
        assert!((q as usize) < self.n_queues && off < PORT_Q_XCHG && off.is_multiple_of(8));
        // SAFETY: bounds checked above; 8-aligned inside queue q's block.
        unsafe { &*(self.region.as_ptr().add(PORT_Q_OFF + q as usize * PORT_Q_SIZE + off) as *const AtomicU64) }
    }

    pub fn add(&self, q: u16, off: usize, v: u64) {
        if v != 0 {
            let c = self.counter(q, off);
            // Relaxed: only this queue's owner writes; readers take snapshots.
            c.store((f64::from_bits(c.load(Relaxed)) + v as f64).to_bits(), Relaxed);
        }
    }

    /// Overwrites a counter with a total kept elsewhere (drivers that count themselves).
    pub fn set(&self, q: u16, off: usize, v: u64) {
        // Relaxed: as in add().
        self.counter(q, off).store((v as f64).to_bits(), Relaxed);
    }

    pub fn get(&self, q: u16, off: usize) -> f64 {
        f64::from_bits(self.counter(q, off).load(Relaxed))
    }

    /// Queue q's exchange area (PORT_XCHG_MAX handles).
    ///
    /// # Safety
    /// Only the thread that owns queue q may use the slice, and not while another call holds it.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn xchg(&self, q: u16) -> &mut [u32] {
        assert!((q as usize) < self.n_queues);
        // SAFETY: the area lies inside queue q's block; exclusivity is the caller's contract.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.region.as_ptr().add(PORT_Q_OFF + q as usize * PORT_Q_SIZE + PORT_Q_XCHG) as *mut u32,
                PORT_XCHG_MAX,
            )
        }
    }
}
