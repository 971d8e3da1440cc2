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
}

impl PoolCache {
    pub fn new(pool: Arc<Pool>) -> crate::error::Result<PoolCache> {
        let slot = pool.claim_user()?;
        let size = pool.cache_size() as usize;
        let u = |off| f64::from_bits(pool.user_f64(slot, off).load(Relaxed));
        let (allocs, frees, fail) = (u(POOL_U_ALLOCS), u(POOL_U_FREES), u(POOL_U_ALLOC_FAIL));
        Ok(PoolCache { pool, slot, len: 0, size, flush_at: size * 3 / 2, allocs, frees, fail })
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

    /// Returns buffers. Handles must be this pool's and owned by the caller (checked in debug).
    pub fn free(&mut self, hs: &[u32]) {
        debug_assert!(hs.iter().all(|&h| self.pool.valid(h)));
        self.frees += hs.len() as f64;
        if self.len + hs.len() > POOL_CACHE_MAX {
            let mut done = 0;
            while done < hs.len() {
                done += self.pool.ring().enqueue(&hs[done..], false, true);
            }
        } else {
            let len = self.len;
            self.cache()[len..len + hs.len()].copy_from_slice(hs);
            self.len += hs.len();
            if self.len > self.flush_at {
                let excess = self.len - self.size;
                let start = self.size;
                let ring = *self.pool.ring();
                let mut done = 0;
                while done < excess {
                    done += ring.enqueue(&self.cache()[start + done..start + excess], false, true);
                }
                self.len = self.size;
            }
        }
        self.publish();
    }

    /// Pushes every cached buffer back to the shared ring.
    pub fn flush(&mut self) {
        let len = self.len;
        let ring = *self.pool.ring();
        let mut done = 0;
        while done < len {
            done += ring.enqueue(&self.cache()[done..len], false, true);
        }
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
        self.pool.release_user(self.slot);
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
    fn bad_config_names_the_fix() {
        let e = Pool::create(&PoolConfig { n_bufs: 0, ..Default::default() }).err().unwrap();
        assert!(e.to_string().contains("buffers is out of range"), "{e}");
        let e = Pool::create(&PoolConfig { data_room: 10, ..Default::default() }).err().unwrap();
        assert!(e.to_string().contains("data room"), "{e}");
    }
}
