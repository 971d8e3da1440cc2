//! The four AF_XDP rings (Documentation/networking/af_xdp.rst, "Rings"): single-producer /
//! single-consumer, a power-of-two number of entries, free-running u32 indices shared with the
//! kernel. The user side keeps cached copies of both indices (AF_XDP's cached_prod/cached_cons,
//! the trick our own rings borrowed) and touches the shared ones once per burst: an Acquire load
//! of the other side's index when the cached view runs out, a Release store of its own after
//! writing or reading the entries.
use crate::error::Result;
use crate::port::netdev::Mmap;
use crate::port::uapi::XDP_RING_NEED_WAKEUP;
use std::sync::atomic::{AtomicU32, Ordering::*};

/// struct xdp_ring_offset
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct RingOffset {
    pub producer: u64,
    pub consumer: u64,
    pub desc: u64,
    pub flags: u64,
}

/// struct xdp_mmap_offsets
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct MmapOffsets {
    pub rx: RingOffset,
    pub tx: RingOffset,
    pub fr: RingOffset,
    pub cr: RingOffset,
}

pub struct XskRing {
    _map: Mmap,
    producer: *const AtomicU32,
    consumer: *const AtomicU32,
    flags: *const AtomicU32,
    desc: *mut u8,
    mask: u32,
    size: u32,
    /// our side's index (the one we own), and the other side's as last read
    own: u32,
    other: u32,
}

// SAFETY: the ring is used by the one thread that owns its queue (behind the queue's lock).
unsafe impl Send for XskRing {}

impl XskRing {
    /// Maps a ring of `entries` entries of `esize` bytes at page offset `pgoff` of socket `fd`.
    /// `producer_side`: whether we produce (fill, TX) or consume (RX, completion).
    pub fn map(fd: i32, off: &RingOffset, entries: u32, esize: usize, pgoff: i64, producer_side: bool, what: &str) -> Result<XskRing> {
        let len = off.desc as usize + entries as usize * esize;
        let m = Mmap::new(fd, len, pgoff, what)?;
        let at = |o: u64| {
            // SAFETY: the kernel's offsets lie inside the mapping it sized for this ring.
            unsafe { m.ptr.add(o as usize) }
        };
        let (producer, consumer, flags, desc) =
            (at(off.producer) as *const AtomicU32, at(off.consumer) as *const AtomicU32, at(off.flags) as *const AtomicU32, at(off.desc));
        let mut r = XskRing { _map: m, producer, consumer, flags, desc, mask: entries - 1, size: entries, own: 0, other: 0 };
        // SAFETY: producer/consumer point to aligned u32 indices in the mapping.
        unsafe {
            if producer_side {
                r.own = (*r.producer).load(Relaxed);
                r.other = (*r.consumer).load(Acquire).wrapping_add(entries);
            } else {
                r.own = (*r.consumer).load(Relaxed);
                r.other = (*r.producer).load(Acquire);
            }
        }
        Ok(r)
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// Producer: free entries (at most `want`), re-reading the consumer only when the cached view
    /// has fewer. `other` holds consumer + size, so free = other - own.
    pub fn free(&mut self, want: u32) -> u32 {
        let f = self.other.wrapping_sub(self.own);
        if f >= want {
            return f;
        }
        // SAFETY: aligned index in the mapping. Acquire: the kernel's reads of the entries it
        // consumed happen before we overwrite them.
        self.other = unsafe { (*self.consumer).load(Acquire) }.wrapping_add(self.size);
        self.other.wrapping_sub(self.own)
    }

    /// Consumer: entries ready (at most what the kernel published), re-reading the producer when
    /// the cached view is empty.
    pub fn ready(&mut self) -> u32 {
        let a = self.other.wrapping_sub(self.own);
        if a > 0 {
            return a;
        }
        // SAFETY: aligned index. Acquire: the kernel's writes of the entries happen before we read them.
        self.other = unsafe { (*self.producer).load(Acquire) };
        self.other.wrapping_sub(self.own)
    }

    /// Entry `i` positions after our index.
    #[inline]
    pub fn entry(&self, i: u32, esize: usize) -> *mut u8 {
        // SAFETY: masked index inside the descriptor array.
        unsafe { self.desc.add((self.own.wrapping_add(i) & self.mask) as usize * esize) }
    }

    /// Producer: publishes `n` written entries. Consumer: releases `n` read entries.
    pub fn advance(&mut self, n: u32, producer_side: bool) {
        self.own = self.own.wrapping_add(n);
        // SAFETY: aligned index. Release: the entries' contents (or our reads of them) before the index.
        unsafe { (*if producer_side { self.producer } else { self.consumer }).store(self.own, Release) }
    }

    /// Whether the kernel asked to be woken up (XDP_USE_NEED_WAKEUP) for this ring.
    pub fn needs_wakeup(&self) -> bool {
        // SAFETY: aligned flags word in the mapping.
        unsafe { (*self.flags).load(Relaxed) & XDP_RING_NEED_WAKEUP != 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring laid out like the kernel's (producer, consumer, flags, then entries) in a memfd.
    fn fake(entries: u32, producer_side: bool) -> (XskRing, *mut u32) {
        // SAFETY: plain memfd_create/ftruncate; the fd is closed by the OwnedFd.
        let fd = unsafe { libc::memfd_create(c"xskring-test".as_ptr(), 0) };
        assert!(fd >= 0);
        // SAFETY: fd is the fresh memfd created just above.
        let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) };
        use std::os::fd::{AsRawFd, FromRawFd};
        // SAFETY: fd is a fresh memfd.
        assert_eq!(unsafe { libc::ftruncate(fd.as_raw_fd(), 1 << 16) }, 0);
        let off = RingOffset { producer: 0, consumer: 64, flags: 128, desc: 192 };
        let r = XskRing::map(fd.as_raw_fd(), &off, entries, 8, 0, producer_side, "test ring").unwrap();
        let base = r.producer as *mut u32;
        (r, base)
    }

    #[test]
    fn producer_and_consumer_indices_wrap_and_cache() {
        let (mut p, base) = fake(8, true);
        assert_eq!(p.free(8), 8, "empty ring: all free");
        p.advance(6, true);
        // SAFETY: index words of the fake ring.
        unsafe { assert_eq!(*base, 6, "producer published") };
        assert_eq!(p.free(2), 2, "cached view suffices");
        assert_eq!(p.free(4), 2, "consumer has not moved: still 2");
        // SAFETY: the consumer index word (offset 64 = 16 u32s).
        unsafe { *base.add(16) = 5 };
        assert_eq!(p.free(4), 7, "re-read the consumer");
        // wrap-around of the u32 indices: producer 2 below 2^32, consumer 4 below, cached view full
        p.own = u32::MAX - 1;
        p.other = p.own;
        // SAFETY: the fake ring's index words (u32s at offsets 0, 64, 128) lie in its live mapping.
        unsafe { *base.add(16) = u32::MAX - 3 };
        assert_eq!(p.free(8), 6);
        p.advance(4, true);
        // SAFETY: the fake ring's index words (u32s at offsets 0, 64, 128) lie in its live mapping.
        unsafe { assert_eq!(*base, 2, "wrapped") };

        let (mut c, cbase) = fake(8, false);
        assert_eq!(c.ready(), 0);
        // SAFETY: the fake ring's index words (u32s at offsets 0, 64, 128) lie in its live mapping.
        unsafe { *cbase = 3 };
        assert_eq!(c.ready(), 3, "kernel produced 3");
        c.advance(3, false);
        // SAFETY: the fake ring's index words (u32s at offsets 0, 64, 128) lie in its live mapping.
        unsafe { assert_eq!(*cbase.add(16), 3, "consumer released") };
        assert!(!c.needs_wakeup());
        // SAFETY: the fake ring's index words (u32s at offsets 0, 64, 128) lie in its live mapping.
        unsafe { *cbase.add(32) = XDP_RING_NEED_WAKEUP };
        assert!(c.needs_wakeup());
    }
}
