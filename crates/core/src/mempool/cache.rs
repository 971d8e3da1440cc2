//! A user's cache in front of the shared free ring (DPDK's mempool cache), Rust side. The JS side
//! (src/memory/pool.ts) runs the same algorithm on the same shared slot.
//!
//! LIFO, so the most recently freed (cache-warm) buffers go out first. Refill when the cache
//! cannot serve a request: fetch `cache_size + n - len` from the ring in one burst. Flush when it
//! grows past 1.5 x cache_size: push the excess over cache_size back in one burst.
use super::layout::*;
use super::pool::Pool;
use std::sync::atomic::Ordering::*;
use std::sync::Arc;

pub struct PoolCache {
    pool: Arc<Pool>,
    slot: usize,
    len: usize,
    size: usize,
    flush_at: usize,
    allocs: f64,
    frees: f64,
    fail: f64,
    bad: f64,
    double: f64,
    tid: u32,
}

impl PoolCache {
    pub fn new(pool: Arc<Pool>) -> crate::error::Result<PoolCache> {
        let slot = pool.claim_user()?;
        let size = pool.cache_size() as usize;
        let u = |off| f64::from_bits(pool.user_f64(slot, off).load(Relaxed));
        let (allocs, frees, fail) = (u(POOL_U_ALLOCS), u(POOL_U_FREES), u(POOL_U_ALLOC_FAIL));
        let (bad, double) = (u(POOL_U_BAD_HANDLES), u(POOL_U_DOUBLE_FREES));
        let tid = pool.user_word(slot, POOL_U_TID).load(Relaxed);
        Ok(PoolCache { pool, slot, len: 0, size, flush_at: size * 3 / 2, allocs, frees, fail, bad, double, tid })
    }

    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    fn cache(&mut self) -> &mut [u32] {
        // SAFETY: this slot's cache array (POOL_CACHE_MAX entries) is owned by us while claimed.
        unsafe { std::slice::from_raw_parts_mut(self.pool.user_cache(self.slot), POOL_CACHE_MAX) }
    }

    fn publish(&self) {
        // Relaxed: statistics and the audit read these only as snapshots.
        self.pool.user_word(self.slot, POOL_U_CACHE_LEN).store(self.len as u32, Relaxed);
        self.pool.user_f64(self.slot, POOL_U_ALLOCS).store(self.allocs.to_bits(), Relaxed);
        self.pool.user_f64(self.slot, POOL_U_FREES).store(self.frees.to_bits(), Relaxed);
        self.pool.user_f64(self.slot, POOL_U_ALLOC_FAIL).store(self.fail.to_bits(), Relaxed);
        self.pool.user_f64(self.slot, POOL_U_BAD_HANDLES).store(self.bad.to_bits(), Relaxed);
        self.pool.user_f64(self.slot, POOL_U_DOUBLE_FREES).store(self.double.to_bits(), Relaxed);
    }

    /// Debug mode: marks freshly allocated buffers USED by this slot (reports any that were not FREE).
    fn dbg_take(&self, hs: &[u32]) {
        for &h in hs {
            if let Some(o) = self.pool.dbg_take(h, self.slot, self.tid) {
                eprintln!("ringway debug: buffer {h} of pool '{}' handed out to thread {} (slot {}) while still in use by thread {} (slot {}): the free ring was written behind the checks",
                    self.pool.region().name(), self.tid, self.slot, o.tid, o.slot);
            }
        }
    }

    /// Allocates up to out.len() buffers (burst); the shortfall is counted in alloc_fail.
    pub fn alloc_burst(&mut self, out: &mut [u32]) -> usize {
        let n = out.len();
        if n > self.size {
            // larger than the cache: straight from the shared ring, then top up from the cache
            let mut got = self.pool.ring().dequeue(out, false, true);
            while got < n && self.len > 0 {
                self.len -= 1;
                let len = self.len;
                out[got] = self.cache()[len];
                got += 1;
            }
            self.allocs += got as f64;
            self.fail += (n - got) as f64;
            if self.pool.debug() {
                self.dbg_take(&out[..got]);
            }
            self.publish();
            return got;
        }
        if self.len < n {
            let want = (self.size + n - self.len).min(POOL_CACHE_MAX - self.len);
            let (len, ring) = (self.len, *self.pool.ring());
            let got = ring.dequeue(&mut self.cache()[len..len + want], false, true);
            self.len += got;
        }
        let take = n.min(self.len);
        let start = self.len - take;
        let len = self.len;
        out[..take].copy_from_slice(&self.cache()[start..len]);
        self.len = start;
        self.allocs += take as f64;
        self.fail += (n - take) as f64;
        if self.pool.debug() {
            self.dbg_take(&out[..take]);
        }
        self.publish();
        take
    }

    /// All-or-nothing allocation.
    pub fn alloc_bulk(&mut self, out: &mut [u32]) -> bool {
        let got = self.alloc_burst(out);
        if got == out.len() {
            return true;
        }
        self.free(&out[..got]);
        // the partial take was not a real allocation: undo its counting
        self.allocs -= got as f64;
        self.frees -= got as f64;
        self.publish();
        false
    }

    /// Returns buffers. Handles come from callers we do not trust (JS through a port's exchange
    /// area): one that names no buffer of this pool is refused and counted (bad_handles), never
    /// stored; in debug mode a buffer that is not USED is refused as a double free and reported.
    /// Bounded: when the free ring refuses (full: a double free elsewhere), the surplus is dropped
    /// and counted (double_frees) instead of retried forever.
    pub fn free(&mut self, hs: &[u32]) {
        self.free_refusing(hs);
    }

    /// free(), returning how many handles were refused.
    pub fn free_refusing(&mut self, hs: &[u32]) -> usize {
        if hs.iter().all(|&h| self.pool.valid(h)) && !self.pool.debug() {
            self.free_checked(hs);
            return 0;
        }
        // slow path: filter in chunks through a stack array (no allocation)
        let mut refused = 0;
        let mut ok = [0u32; 64];
        for chunk in hs.chunks(ok.len()) {
            let mut m = 0;
            for &h in chunk {
                if !self.pool.valid(h) {
                    self.bad += 1.0;
                    refused += 1;
                    continue;
                }
                if self.pool.debug() {
                    if let Err(o) = self.pool.dbg_give(h, self.slot, self.tid) {
                        eprintln!("ringway debug: double free of buffer {h} of pool '{}' by thread {} (slot {}); it was freed before by thread {} (slot {})",
                            self.pool.region().name(), self.tid, self.slot, o.tid, o.slot);
                        self.double += 1.0;
                        refused += 1;
                        continue;
                    }
                }
                ok[m] = h;
                m += 1;
            }
            self.free_checked(&ok[..m]);
        }
        self.publish();
        refused
    }

    fn free_checked(&mut self, hs: &[u32]) {
        self.frees += hs.len() as f64;
        if self.len + hs.len() > POOL_CACHE_MAX {
            let done = self.pool.push_free(hs);
            self.drop_surplus(hs.len() - done);
        } else {
            let len = self.len;
            self.cache()[len..len + hs.len()].copy_from_slice(hs);
            self.len += hs.len();
            if self.len > self.flush_at {
                let (start, end) = (self.size, self.len);
                let pool = self.pool.clone();
                // SAFETY: this slot's cache array, owned by us while claimed; the ring copies out.
                let part = unsafe { std::slice::from_raw_parts(self.pool.user_cache(self.slot).add(start), end - start) };
                let done = pool.push_free(part);
                self.drop_surplus(end - start - done);
                self.len = self.size;
            }
        }
        self.publish();
    }

    /// The free ring refused `n` handles although it is full: more buffers are free than exist.
    fn drop_surplus(&mut self, n: usize) {
        if n > 0 {
            self.double += n as f64;
            eprintln!("ringway: pool '{}': the free ring is full yet {n} more buffers were freed: a double free (dropped; run with RINGWAY_DEBUG=mbuf to find it)",
                self.pool.region().name());
        }
    }

    /// Pushes every cached buffer back to the shared ring (bounded; see free()).
    pub fn flush(&mut self) {
        let len = self.len;
        let pool = self.pool.clone();
        // SAFETY: as in free_checked.
        let part = unsafe { std::slice::from_raw_parts(self.pool.user_cache(self.slot), len) };
        let done = pool.push_free(part);
        self.drop_surplus(len - done);
        self.len = 0;
        self.publish();
    }

    pub fn cached(&self) -> usize {
        self.len
    }
}

impl Drop for PoolCache {
    fn drop(&mut self) {
        self.flush();
        // cannot fail: our own slot index
        let _ = self.pool.release_user(self.slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::region::{HugePolicy, LockPolicy};
    use crate::mempool::PoolConfig;

    fn pool(n: u32) -> Arc<Pool> {
        Pool::create(&PoolConfig {
            name: "t".into(),
            n_bufs: n,
            huge: HugePolicy::Never,
            lock: LockPolicy::BestEffort,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn exhaustion_returns_fewer_and_counts_it() {
        let p = pool(100);
        let mut c = PoolCache::new(p.clone()).unwrap();
        let mut out = vec![0u32; 64];
        assert_eq!(c.alloc_burst(&mut out), 64);
        let mut out2 = vec![0u32; 64];
        assert_eq!(c.alloc_burst(&mut out2), 36, "burst gives what is left");
        assert_eq!(p.stats().alloc_fail, 28);
        assert!(!c.alloc_bulk(&mut out2[..1]), "bulk on an empty pool fails");
        c.free(&out);
        c.free(&out2[..36]);
        let s = p.stats();
        assert_eq!((s.in_use, s.ring_free + s.cached), (0, 100));
        drop(c);
        assert_eq!(p.audit(), (0, 0));
    }

    #[test]
    fn requests_larger_than_the_cache_are_served() {
        let p = pool(3000);
        let mut c = PoolCache::new(p.clone()).unwrap();
        let mut out = vec![0u32; 2000];
        assert_eq!(c.alloc_burst(&mut out), 2000);
        c.free(&out);
        drop(c);
        assert_eq!(p.audit(), (0, 0));
    }

    #[test]
    fn accounting_is_exact_across_users_and_threads() {
        let p = pool(4096);
        let ts: Vec<_> = (0..4)
            .map(|_| {
                let p = p.clone();
                std::thread::spawn(move || {
                    let mut c = PoolCache::new(p).unwrap();
                    let mut held: Vec<u32> = Vec::new();
                    let mut out = [0u32; 32];
                    for i in 0..20_000u32 {
                        let n = c.alloc_burst(&mut out[..(i % 32 + 1) as usize]);
                        held.extend_from_slice(&out[..n]);
                        if held.len() > 300 {
                            let k = held.len() / 2;
                            c.free(&held[..k]);
                            held.drain(..k);
                        }
                    }
                    c.free(&held);
                })
            })
            .collect();
        for t in ts {
            t.join().unwrap();
        }
        let s = p.stats();
        assert_eq!(s.in_use, 0);
        assert_eq!(s.ring_free + s.cached, 4096);
        assert_eq!(p.audit(), (0, 0));
    }

    #[test]
    fn buffers_do_not_straddle_2mib() {
        let p = pool(5000);
        let mut usable = 0;
        for h in 0..6000u32 {
            if p.valid(h) {
                usable += 1;
                let o = p.offset(h);
                assert_eq!(o / crate::mem::HUGE_PAGE, (o + p.stride() as usize - 1) / crate::mem::HUGE_PAGE);
            }
        }
        assert_eq!(usable, 5000);
        assert_eq!(p.stride(), 64 + 128 + 2048);
    }

    #[test]
    fn foreign_handles_are_refused_and_counted() {
        let p = pool(100);
        let mut c = PoolCache::new(p.clone()).unwrap();
        assert_eq!(c.free_refusing(&[u32::MAX, 100_000]), 2);
        drop(c);
        assert_eq!(p.audit(), (0, 0), "nothing foreign entered the free ring");
        assert_eq!(p.stats().bad_handles, 2);
    }

    #[test]
    fn a_double_free_is_bounded_and_counted() {
        // 128 buffers, a free ring of exactly 128 slots: the duplicate cannot fit anywhere
        let p = pool(128);
        let mut c = PoolCache::new(p.clone()).unwrap();
        let mut out = [0u32; 1];
        assert_eq!(c.alloc_burst(&mut out), 1);
        c.free(&out);
        c.free(&out);
        c.flush(); // used to spin forever
        drop(c);
        assert_eq!(p.stats().double_frees, 1);
    }

    #[test]
    fn debug_mode_refuses_a_double_free_at_once_and_names_the_owner() {
        let p = Pool::create(&PoolConfig {
            n_bufs: 300,
            huge: HugePolicy::Never,
            lock: LockPolicy::BestEffort,
            debug: true,
            ..Default::default()
        })
        .unwrap();
        let mut c = PoolCache::new(p.clone()).unwrap();
        let mut out = [0u32; 4];
        assert_eq!(c.alloc_burst(&mut out), 4);
        let owners = p.debug_in_use();
        assert_eq!(owners.iter().map(|o| o.handle).collect::<Vec<_>>().len(), 4);
        // SAFETY: gettid has no preconditions.
        let tid = unsafe { libc::gettid() } as u32;
        assert!(owners.iter().all(|o| o.tid == tid && o.slot == c.slot as u32));
        assert_eq!(c.free_refusing(&out[..1]), 0);
        assert_eq!(c.free_refusing(&out[..1]), 1, "second free refused");
        assert_eq!(p.stats().double_frees, 1);
        assert_eq!(p.debug_in_use().len(), 3, "the leak report names the three still out");
        c.free(&out[1..]);
        drop(c);
        assert_eq!(p.audit(), (0, 0));
    }

    #[test]
    fn bad_config_names_the_fix() {
        let e = Pool::create(&PoolConfig { n_bufs: 0, ..Default::default() }).err().unwrap();
        assert!(e.to_string().contains("buffers is out of range"), "{e}");
        let e = Pool::create(&PoolConfig { data_room: 10, ..Default::default() }).err().unwrap();
        assert!(e.to_string().contains("data room"), "{e}");
    }
}
