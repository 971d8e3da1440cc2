//! A port's shared block (layout.rs) as seen from Rust: counters and the handle exchange area.
use super::layout::*;
use crate::error::{Error, Result};
use crate::mem::region::{HugePolicy, LockPolicy, Region};
use std::sync::atomic::{
    AtomicU32, AtomicU64,
    Ordering::{AcqRel, Acquire, Relaxed, Release},
};
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

    /// A burst's receive totals on queue q (DPDK's ipackets, ibytes, ierrors).
    #[inline]
    pub fn count_rx(&self, q: u16, packets: u64, bytes: u64, errors: u64) {
        self.add(q, PORT_Q_IPACKETS, packets);
        self.add(q, PORT_Q_IBYTES, bytes);
        self.add(q, PORT_Q_IERRORS, errors);
    }

    /// A burst's transmit totals on queue q (DPDK's opackets, obytes, oerrors).
    #[inline]
    pub fn count_tx(&self, q: u16, packets: u64, bytes: u64, errors: u64) {
        self.add(q, PORT_Q_OPACKETS, packets);
        self.add(q, PORT_Q_OBYTES, bytes);
        self.add(q, PORT_Q_OERRORS, errors);
    }

    /// Overwrites a counter with a total kept elsewhere (drivers that count themselves).
    pub fn set(&self, q: u16, off: usize, v: u64) {
        // Relaxed: as in add().
        self.counter(q, off).store((v as f64).to_bits(), Relaxed);
    }

    pub fn get(&self, q: u16, off: usize) -> f64 {
        f64::from_bits(self.counter(q, off).load(Relaxed))
    }

    /// A u32 word of queue q's block (PORT_Q_OWNER, PORT_Q_RX_ERR).
    pub fn queue_word(&self, q: u16, off: usize) -> &AtomicU32 {
        assert!((q as usize) < self.n_queues && off < PORT_Q_XCHG && off.is_multiple_of(4));
        // SAFETY: bounds checked above; 4-aligned inside queue q's block.
        unsafe { &*(self.region.as_ptr().add(PORT_Q_OFF + q as usize * PORT_Q_SIZE + off) as *const AtomicU32) }
    }

    /// Makes thread `tid` the one that drives queue q (one thread per queue: its counters are
    /// plain stores, its exchange area and ring roles single-owner). A claim by a thread that no
    /// longer exists is taken over (a worker that died mid-burst). Err(owner) when another live
    /// thread holds it.
    pub fn claim_queue(&self, q: u16, tid: u32) -> std::result::Result<(), u32> {
        let w = self.queue_word(q, PORT_Q_OWNER);
        let mut expect = 0;
        loop {
            // AcqRel: the new owner sees the previous owner's last counter stores.
            match w.compare_exchange(expect, tid, AcqRel, Acquire) {
                Ok(_) => return Ok(()),
                Err(cur) if cur == tid => return Ok(()),
                Err(0) => expect = 0,
                Err(cur) if thread_alive(cur) => return Err(cur),
                Err(cur) => expect = cur,
            }
        }
    }

    /// Gives queue q up if `tid` holds it.
    pub fn release_queue(&self, q: u16, tid: u32) {
        // Release: pairs with the next claimer's AcqRel CAS.
        let _ = self.queue_word(q, PORT_Q_OWNER).compare_exchange(tid, 0, Release, Relaxed);
    }

    /// Copies the first out.len() handles of queue q's exchange area out. The area is JS memory
    /// that another (misbehaving) thread could write at any time, so it is never borrowed as a
    /// Rust slice: each word is read once, atomically (Relaxed: the queue's own thread wrote it
    /// before the call; a racing writer gets a torn burst, which the handle checks then refuse).
    pub fn xchg_read(&self, q: u16, out: &mut [u32]) {
        let x = self.xchg_words(q);
        for (o, w) in out.iter_mut().zip(x) {
            *o = w.load(Relaxed);
        }
    }

    /// Copies handles into the start of queue q's exchange area (see xchg_read).
    pub fn xchg_write(&self, q: u16, src: &[u32]) {
        let x = self.xchg_words(q);
        for (w, &h) in x.iter().zip(src) {
            w.store(h, Relaxed);
        }
    }

    fn xchg_words(&self, q: u16) -> &[AtomicU32] {
        assert!((q as usize) < self.n_queues);
        // SAFETY: the area (PORT_XCHG_MAX aligned u32s) lies inside queue q's block; AtomicU32
        // has u32's layout, and shared access through atomics is sound whoever writes it.
        unsafe {
            std::slice::from_raw_parts(
                self.region.as_ptr().add(PORT_Q_OFF + q as usize * PORT_Q_SIZE + PORT_Q_XCHG) as *const AtomicU32,
                PORT_XCHG_MAX,
            )
        }
    }
}

/// Whether thread `tid` of this process still exists.
fn thread_alive(tid: u32) -> bool {
    std::path::Path::new(&format!("/proc/self/task/{tid}")).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thread_per_queue_and_a_dead_owner_is_taken_over() {
        let b = PortBlock::create(PORT_KIND_NULL, 2, [0; 6], 1).unwrap();
        // SAFETY: gettid has no preconditions.
        let me = unsafe { libc::gettid() } as u32;
        assert_eq!(b.claim_queue(0, me), Ok(()));
        assert_eq!(b.claim_queue(0, me), Ok(()), "idempotent");
        let other = std::thread::scope(|s| {
            s.spawn(|| {
                // SAFETY: as above.
                let t = unsafe { libc::gettid() } as u32;
                (b.claim_queue(0, t), b.claim_queue(1, t), t)
            })
            .join()
            .unwrap()
        });
        assert_eq!(other.0, Err(me), "queue 0 is ours");
        assert_eq!(other.1, Ok(()));
        assert_eq!(b.claim_queue(1, me), Ok(()), "queue 1's owner exited: taken over");
        b.release_queue(0, me);
        assert_eq!(b.queue_word(0, PORT_Q_OWNER).load(Relaxed), 0);
    }

    #[test]
    fn the_exchange_area_is_copied_not_borrowed() {
        let b = PortBlock::create(PORT_KIND_PCAP, 1, [0; 6], 1).unwrap();
        b.xchg_write(0, &[7, 8, 9]);
        let mut out = [0u32; 3];
        b.xchg_read(0, &mut out);
        assert_eq!(out, [7, 8, 9]);
    }
}
