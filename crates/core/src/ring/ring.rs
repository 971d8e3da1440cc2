//! Ring operations over the layout in ring/layout.rs (the same algorithm as src/ring/ring.ts).
//!
//! Each shared index has one writer side (see layout.rs). The protocol is rte_ring's:
//! a producer reserves [head, head+n) by moving prod_head (a CAS when several producers share the
//! ring), writes the slots, then publishes by moving prod_tail with a Release store; a consumer
//! Acquire-loads prod_tail, reads the slots, then releases them by a Release store to cons_tail.
//! Multi-producers publish in reservation order: each waits until prod_tail reaches its own head.
use super::barrier;
use super::layout::*;
use crate::error::{Error, Result};
use crate::mem::futex;
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::time::{Duration, Instant};

/// A view of a ring living in shared memory. Copyable; the memory's owner keeps it alive.
#[derive(Clone, Copy)]
pub struct Ring {
    base: *mut u8,
    capacity: u32,
    mask: u32,
}
// SAFETY: all shared fields are accessed atomically; slots are owned by exactly one side at a time
// by the protocol above.
unsafe impl Send for Ring {}
// SAFETY: as above.
unsafe impl Sync for Ring {}

impl Ring {
    /// Initialises a ring at `base` (zeroed memory of at least ring_bytes(capacity) bytes).
    ///
    /// # Safety
    /// `base` must be 128-byte aligned, valid for ring_bytes(capacity) bytes for as long as any
    /// view is used, and not in use by any other ring user while initialising.
    pub unsafe fn init(base: *mut u8, capacity: u32, flags: u32) -> Result<Ring> {
        if !capacity.is_power_of_two() || capacity > RING_MAX_CAPACITY {
            return Err(Error::InvalidArgument(format!(
                "ring capacity {capacity} must be a power of two between 1 and {RING_MAX_CAPACITY}"
            )));
        }
        // Fix the doorbell barrier mode before any side can publish (barrier.rs).
        barrier::init();
        let r = Ring { base, capacity, mask: capacity - 1 };
        for off in [
            RING_OFF_PROD_HEAD,
            RING_OFF_PROD_TAIL,
            RING_OFF_CONS_HEAD,
            RING_OFF_CONS_TAIL,
            RING_OFF_WAKE_SEQ,
            RING_OFF_WAITERS,
            RING_OFF_PROD_WAITERS,
            RING_OFF_SPACE_SEQ,
        ] {
            r.word(off).store(0, Relaxed);
        }
        r.word(RING_OFF_CAPACITY).store(capacity, Relaxed);
        r.word(RING_OFF_MASK).store(capacity - 1, Relaxed);
        r.word(RING_OFF_FLAGS).store(flags, Relaxed);
        r.word(RING_OFF_VERSION).store(RING_VERSION, Relaxed);
        // Release: pairs with the Acquire load of magic in attach(); a view that sees the magic
        // sees the whole header.
        r.word(RING_OFF_MAGIC).store(RING_MAGIC, Release);
        Ok(r)
    }

    /// Attaches to an initialised ring at `base`, checking it against `len` bytes of memory.
    ///
    /// # Safety
    /// `base` must be valid for `len` bytes for as long as the view is used.
    pub unsafe fn attach(base: *mut u8, len: usize) -> Result<Ring> {
        if len < RING_OFF_SLOTS {
            return Err(Error::Malformed(format!("ring memory of {len} bytes is smaller than a ring header")));
        }
        let probe = Ring { base, capacity: 0, mask: 0 };
        // Acquire: pairs with the Release store of magic in init().
        if probe.word(RING_OFF_MAGIC).load(Acquire) != RING_MAGIC || probe.word(RING_OFF_VERSION).load(Relaxed) != RING_VERSION {
            return Err(Error::Malformed("no ring (bad magic or version) at the given memory".into()));
        }
        let capacity = probe.word(RING_OFF_CAPACITY).load(Relaxed);
        if !capacity.is_power_of_two() || ring_bytes(capacity) > len {
            return Err(Error::Malformed(format!("ring header says capacity {capacity}, which does not fit {len} bytes")));
        }
        Ok(Ring { base, capacity, mask: capacity - 1 })
    }

    #[inline(always)]
    fn word(&self, off: usize) -> &AtomicU32 {
        // SAFETY: off is one of the header offsets (< RING_OFF_SLOTS, 4-aligned) and base is valid
        // for the header per init/attach's contract.
        unsafe { &*(self.base.add(off) as *const AtomicU32) }
    }

    /// Bounds-checked slot pointer: the index is masked, so it is always inside the slot array.
    #[inline(always)]
    fn slot(&self, idx: u32) -> *mut u32 {
        // SAFETY: (idx & mask) < capacity and the slot array has capacity entries.
        unsafe { (self.base.add(RING_OFF_SLOTS) as *mut u32).add((idx & self.mask) as usize) }
    }

    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Entries published and not yet released (a snapshot).
    pub fn count(&self) -> u32 {
        // Acquire on both: a snapshot for stats/accounting; no slot access follows.
        self.word(RING_OFF_PROD_TAIL).load(Acquire).wrapping_sub(self.word(RING_OFF_CONS_TAIL).load(Acquire))
    }

    pub fn free_count(&self) -> u32 {
        self.capacity - self.count()
    }

    /// Enqueues from `src`: all or nothing when `bulk`, else as many as fit (burst).
    /// `mp`: another producer may enqueue concurrently (reserve with CAS).
    pub fn enqueue(&self, src: &[u32], bulk: bool, mp: bool) -> usize {
        let want = src.len().min(self.capacity as usize) as u32;
        if want == 0 || (bulk && src.len() > self.capacity as usize) {
            return 0;
        }
        let prod_head = self.word(RING_OFF_PROD_HEAD);
        let (head, n) = loop {
            let head = prod_head.load(Relaxed);
            // Acquire: pairs with the consumer's Release store of cons_tail, so the slots it
            // released are no longer being read when we overwrite them.
            let cons_tail = self.word(RING_OFF_CONS_TAIL).load(Acquire);
            let free = self.capacity.wrapping_add(cons_tail).wrapping_sub(head);
            let n = if bulk {
                if free < want {
                    0
                } else {
                    want
                }
            } else {
                want.min(free)
            };
            if n == 0 {
                return 0;
            }
            if !mp {
                prod_head.store(head.wrapping_add(n), Relaxed);
                break (head, n);
            }
            // Relaxed CAS: reservation only; publication is ordered by the prod_tail Release below.
            if prod_head.compare_exchange_weak(head, head.wrapping_add(n), Relaxed, Relaxed).is_ok() {
                break (head, n);
            }
        };
        for i in 0..n {
            // SAFETY: slots [head, head+n) were reserved above and are owned by this producer.
            unsafe { self.slot(head.wrapping_add(i)).write(src[i as usize]) };
        }
        let prod_tail = self.word(RING_OFF_PROD_TAIL);
        if mp {
            // Earlier reservations publish first; they are short, so spin (then yield).
            let mut spins = 0u32;
            while prod_tail.load(Relaxed) != head {
                spins += 1;
                if spins > 1000 {
                    std::thread::yield_now()
                } else {
                    std::hint::spin_loop()
                }
            }
        }
        // Release: pairs with the consumer's Acquire load of prod_tail (slot writes become visible).
        prod_tail.store(head.wrapping_add(n), Release);
        self.wake_consumer();
        n as usize
    }

    /// Dequeues into `dst`: all-or-nothing when `bulk`, else up to dst.len() (burst).
    /// `mc`: another consumer may dequeue concurrently (reserve with CAS).
    pub fn dequeue(&self, dst: &mut [u32], bulk: bool, mc: bool) -> usize {
        let want = dst.len().min(u32::MAX as usize) as u32;
        if want == 0 {
            return 0;
        }
        let cons_head = self.word(RING_OFF_CONS_HEAD);
        let (head, n) = loop {
            let head = cons_head.load(Relaxed);
            // Acquire: pairs with the producer's Release store of prod_tail.
            let prod_tail = self.word(RING_OFF_PROD_TAIL).load(Acquire);
            let avail = prod_tail.wrapping_sub(head);
            let n = if bulk {
                if avail < want {
                    0
                } else {
                    want
                }
            } else {
                want.min(avail)
            };
            if n == 0 {
                return 0;
            }
            if !mc {
                cons_head.store(head.wrapping_add(n), Relaxed);
                break (head, n);
            }
            // Relaxed CAS: reservation only; release is ordered by the cons_tail Release below.
            if cons_head.compare_exchange_weak(head, head.wrapping_add(n), Relaxed, Relaxed).is_ok() {
                break (head, n);
            }
        };
        for i in 0..n {
            // SAFETY: slots [head, head+n) are published (below prod_tail) and reserved by us.
            dst[i as usize] = unsafe { self.slot(head.wrapping_add(i)).read() };
        }
        let cons_tail = self.word(RING_OFF_CONS_TAIL);
        if mc {
            let mut spins = 0u32;
            while cons_tail.load(Relaxed) != head {
                spins += 1;
                if spins > 1000 {
                    std::thread::yield_now()
                } else {
                    std::hint::spin_loop()
                }
            }
        }
        // Release: pairs with the producer's Acquire load of cons_tail (our slot reads are done).
        cons_tail.store(head.wrapping_add(n), Release);
        self.wake_producer();
        n as usize
    }

    /// After publishing: if a consumer announced it is going to sleep, bump wake_seq and wake it.
    #[inline]
    fn wake_consumer(&self) {
        // StoreLoad barrier (light side): orders our prod_tail store before the waiters load;
        // pairs with barrier::heavy() after the consumer's waiters increment in wait_for().
        // Either we see its announcement, or it sees our entries.
        barrier::light();
        if self.word(RING_OFF_WAITERS).load(Relaxed) != 0 {
            self.word(RING_OFF_WAKE_SEQ).fetch_add(1, SeqCst);
            futex::wake(self.word(RING_OFF_WAKE_SEQ), i32::MAX);
        }
    }

    #[inline]
    fn wake_producer(&self) {
        // Light side: pairs with barrier::heavy() in wait_for(), as in wake_consumer().
        barrier::light();
        if self.word(RING_OFF_PROD_WAITERS).load(Relaxed) != 0 {
            self.word(RING_OFF_SPACE_SEQ).fetch_add(1, SeqCst);
            futex::wake(self.word(RING_OFF_SPACE_SEQ), i32::MAX);
        }
    }

    /// Wakes sleepers on both sides (for a JS user that saw a non-zero waiters word).
    pub fn wake_all(&self) {
        self.word(RING_OFF_WAKE_SEQ).fetch_add(1, SeqCst);
        futex::wake(self.word(RING_OFF_WAKE_SEQ), i32::MAX);
        self.word(RING_OFF_SPACE_SEQ).fetch_add(1, SeqCst);
        futex::wake(self.word(RING_OFF_SPACE_SEQ), i32::MAX);
    }

    /// Consumer idle path: spin `spin` times, then sleep on the futex until the producer publishes
    /// or `timeout` passes. Returns the entries available (0 on timeout).
    pub fn wait_readable(&self, spin: u32, timeout: Duration) -> u32 {
        self.wait_for(spin, timeout, RING_OFF_WAITERS, RING_OFF_WAKE_SEQ, || self.pending_for_consumer())
    }

    /// Producer back-pressure path: as wait_readable, for free slots.
    pub fn wait_writable(&self, spin: u32, timeout: Duration) -> u32 {
        self.wait_for(spin, timeout, RING_OFF_PROD_WAITERS, RING_OFF_SPACE_SEQ, || {
            // Acquire: pairs with the consumer's Release store of cons_tail.
            self.capacity
                .wrapping_add(self.word(RING_OFF_CONS_TAIL).load(Acquire))
                .wrapping_sub(self.word(RING_OFF_PROD_HEAD).load(Relaxed))
        })
    }

    fn pending_for_consumer(&self) -> u32 {
        // Acquire: pairs with the producer's Release store of prod_tail.
        self.word(RING_OFF_PROD_TAIL).load(Acquire).wrapping_sub(self.word(RING_OFF_CONS_HEAD).load(Relaxed))
    }

    fn wait_for(&self, spin: u32, timeout: Duration, waiters: usize, seq: usize, ready: impl Fn() -> u32) -> u32 {
        for _ in 0..spin {
            let n = ready();
            if n > 0 {
                return n;
            }
            std::hint::spin_loop();
        }
        let deadline = Instant::now() + timeout;
        loop {
            // SeqCst: announce before re-checking; then the heavy side of the doorbell barrier,
            // which pairs with barrier::light() (or a JS publisher's plain doorbell load) in wake_*().
            self.word(waiters).fetch_add(1, SeqCst);
            barrier::heavy();
            let s = self.word(seq).load(SeqCst);
            let n = ready();
            if n == 0 {
                let now = Instant::now();
                if now < deadline {
                    futex::wait(self.word(seq), s, Some(deadline - now));
                }
            }
            self.word(waiters).fetch_sub(1, SeqCst);
            let n = if n == 0 { ready() } else { n };
            if n > 0 || Instant::now() >= deadline {
                return n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Mem(Vec<u64>);
    fn ring(cap: u32) -> (Mem, Ring) {
        let mut m = Mem(vec![0u64; ring_bytes(cap).div_ceil(8) + 16]);
        let p = m.0.as_mut_ptr() as usize;
        let aligned = (p + 127) & !127;
        // SAFETY: aligned..aligned+ring_bytes(cap) lies inside m, which outlives the test's use.
        let r = unsafe { Ring::init(aligned as *mut u8, cap, 0).unwrap() };
        (m, r)
    }

    #[test]
    fn burst_and_bulk_semantics() {
        let (_m, r) = ring(8);
        assert_eq!(r.enqueue(&[1, 2, 3, 4, 5, 6], true, false), 6);
        assert_eq!(r.enqueue(&[7, 8, 9], true, false), 0, "bulk is all or nothing");
        assert_eq!(r.enqueue(&[7, 8, 9], false, false), 2, "burst takes what fits");
        assert_eq!(r.count(), 8);
        let mut out = [0u32; 10];
        assert_eq!(r.dequeue(&mut out, true, false), 0, "bulk dequeue of 10 from 8 takes none");
        assert_eq!(r.dequeue(&mut out[..3], true, false), 3);
        assert_eq!(&out[..3], &[1, 2, 3]);
        assert_eq!(r.dequeue(&mut out, false, false), 5);
        assert_eq!(&out[..5], &[4, 5, 6, 7, 8]);
        assert_eq!(r.dequeue(&mut out, false, false), 0);
    }

    #[test]
    fn indices_wrap_around_u32() {
        let (_m, r) = ring(4);
        for off in [RING_OFF_PROD_HEAD, RING_OFF_PROD_TAIL, RING_OFF_CONS_HEAD, RING_OFF_CONS_TAIL] {
            r.word(off).store(u32::MAX - 1, Relaxed);
        }
        let mut out = [0u32; 4];
        for round in 0..10u32 {
            assert_eq!(r.enqueue(&[round, round + 1, round + 2], false, false), 3);
            assert_eq!(r.dequeue(&mut out, false, false), 3);
            assert_eq!(&out[..3], &[round, round + 1, round + 2]);
        }
    }

    #[test]
    fn bad_capacity_is_named() {
        let mut v = vec![0u64; 128];
        // SAFETY: v is large enough for the header; init fails before touching slots.
        let e = unsafe { Ring::init(v.as_mut_ptr() as *mut u8, 6, 0) }.err().unwrap();
        assert!(e.to_string().contains("power of two"), "{e}");
    }

    #[test]
    fn mpmc_stress_no_loss_no_dup() {
        let (m, r) = ring(1024);
        let m = Arc::new(m);
        const PER: u32 = 200_000;
        let producers: Vec<_> = (0..2u32)
            .map(|p| {
                let _keep = m.clone();
                std::thread::spawn(move || {
                    let _k = _keep;
                    let mut next = 0;
                    while next < PER {
                        let batch: Vec<u32> = (next..(next + 16).min(PER)).map(|i| p << 24 | i).collect();
                        let n = r.enqueue(&batch, false, true);
                        next += n as u32;
                        if n == 0 {
                            r.wait_writable(100, Duration::from_millis(10));
                        }
                    }
                })
            })
            .collect();
        let taken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let (_keep, taken) = (m.clone(), taken.clone());
                std::thread::spawn(move || {
                    let _k = _keep;
                    let mut got = Vec::new();
                    let mut buf = [0u32; 32];
                    let deadline = Instant::now() + Duration::from_secs(60);
                    while taken.load(Relaxed) < 2 * PER as usize && Instant::now() < deadline {
                        let n = r.dequeue(&mut buf, false, true);
                        got.extend_from_slice(&buf[..n]);
                        taken.fetch_add(n, Relaxed);
                        if n == 0 {
                            r.wait_readable(100, Duration::from_millis(5));
                        }
                    }
                    got
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        let mut all: Vec<u32> = consumers.into_iter().flat_map(|c| c.join().unwrap()).collect();
        assert_eq!(all.len(), 2 * PER as usize);
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 2 * PER as usize, "no duplicates");
    }

    #[test]
    fn sleeping_consumer_is_woken() {
        let (m, r) = ring(16);
        let m = Arc::new(m);
        let keep = m.clone();
        let t = std::thread::spawn(move || {
            let _k = keep;
            let t0 = Instant::now();
            let n = r.wait_readable(10, Duration::from_secs(5));
            (n, t0.elapsed())
        });
        std::thread::sleep(Duration::from_millis(100));
        r.enqueue(&[42], false, false);
        let (n, waited) = t.join().unwrap();
        assert_eq!(n, 1);
        assert!(waited < Duration::from_secs(4), "woken by the producer, not the timeout: {waited:?}");
    }

    /// Ping-pong where the waits go to the futex after a spin of 0, 50 or 100 polls: each round trip races a publish (light
    /// barrier) against a sleeper's announcement (membarrier). A wait that times out while its
    /// entry is in the ring is a lost wake-up.
    #[test]
    fn ping_pong_through_sleepers_loses_no_wakeup() {
        const ROUNDS: u32 = 20_000;
        let (ma, a) = ring(64);
        let (mb, b) = ring(64);
        let keep = (Arc::new(ma), Arc::new(mb));
        let side = move |send: Ring, recv: Ring, ping: bool| {
            let mut lost = 0u32;
            let mut one = [0u32];
            let receive = |one: &mut [u32; 1], lost: &mut u32, expect: u32| loop {
                if recv.dequeue(one, false, false) == 1 {
                    assert_eq!(one[0], expect);
                    return;
                }
                if recv.wait_readable(expect % 3 * 50, Duration::from_secs(2)) == 0 && recv.count() > 0 {
                    *lost += 1;
                }
            };
            for i in 0..ROUNDS {
                if ping {
                    while send.enqueue(&[i], false, false) == 0 {}
                    receive(&mut one, &mut lost, i);
                } else {
                    receive(&mut one, &mut lost, i);
                    while send.enqueue(&[i], false, false) == 0 {}
                }
            }
            lost
        };
        let k2 = keep.clone();
        let pong = std::thread::spawn(move || {
            let _k = k2;
            side(a, b, false)
        });
        let lost_ping = side(b, a, true);
        let lost_pong = pong.join().unwrap();
        drop(keep);
        assert_eq!(lost_ping + lost_pong, 0, "sleepers timed out on published entries (lost wake-ups)");
    }
}
