//! The core mempool as virtio packet memory: `DmaBuffers` over a `PoolCache`, so a NIC receives
//! straight into the buffers JS workers read, and transmits straight from the buffers they fill.
//!
//! Device addresses, fixed at open so the data path never asks the kernel:
//! - vfio: the pool's whole region is registered once with the process-wide vfio container
//!   (`ExternalDma`) and the IOVA of a buffer is `region IOVA + offset`. One registration per
//!   region, shared by every port using the pool (two registrations of one VA would get two
//!   IOVAs and unmapping one would pull memory from under the other port).
//! - uio and vfio no-IOMMU: physical addresses. The region must be hugepage-backed: a buffer never straddles a
//!   2 MiB unit of the region (pool layout), and a hugepage is physically contiguous, so
//!   `phys(2 MiB page) + offset within it` addresses the whole buffer. Page bases are read
//!   from pagemap once, at open.
use super::buffers::DmaBuffers;
use crate::bind::dma::ExternalDma;
use crate::bind::Route;
use crate::error::{Error, Result};
use crate::mem::HUGE_PAGE;
use crate::mempool::layout::META_SIZE;
use crate::mempool::{Pool, PoolCache};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

enum Addr {
    /// vfio: region IOVA base, guard kept alive as long as any port uses the pool.
    Vfio { base: u64, _guard: Arc<ExternalDma> },
    /// uio: physical base of each 2 MiB page of the region.
    Phys(Vec<u64>),
    /// host unit tests: IOVA = base + offset, nothing registered.
    #[cfg(test)]
    Fake(u64),
}

pub struct PoolDma {
    /// The cache every virtio port of this process on this pool shares (see `shared_cache`).
    shared: Arc<Mutex<PoolCache>>,
    /// This port's own cache: used only when another thread is inside the shared one, so a
    /// burst never waits for a lock. Made at the first such contention (a pool user slot is
    /// claimed then), so ports that never contend cost the pool no slot of their own.
    cache: Option<PoolCache>,
    pool: Arc<Pool>,
    addr: Addr,
}

/// One buffer cache per pool shared by all virtio ports of the process (DPDK's mempool cache is
/// per lcore, shared by every port that lcore polls). With a cache per port, a forwarder's RX
/// refill on one port allocates from that port's cache while the TX completions of the same
/// packets free into the other port's cache: any rate difference between the two directions
/// makes one cache spill into the shared ring while the other refills from it, and the FIFO ring
/// hands back its coldest buffers, so over a few seconds the whole pool cycles through the
/// device. Under an IOMMU that working set is what the IOTLB has to cover; in the QEMU vIOMMU
/// benchmark (1024-entry IOTLB, flushed whole when full) the pool on 4 KiB pages thrashed it:
/// an 8192-buffer pool forwarded 296-361 kpps, a 1024-buffer one 403-516. Shared, RX refills
/// take the buffers TX completions just returned and the working set stays ring-sized.
/// Keyed by the region's address; held weakly so the last port closing releases the slot.
fn shared_cache(pool: &Arc<Pool>) -> Result<Arc<Mutex<PoolCache>>> {
    static REG: OnceLock<Mutex<HashMap<usize, Weak<Mutex<PoolCache>>>>> = OnceLock::new();
    let mut m = REG.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let va = pool.region().as_ptr() as usize;
    if let Some(c) = m.get(&va).and_then(Weak::upgrade) {
        return Ok(c);
    }
    let c = Arc::new(Mutex::new(PoolCache::new(pool.clone())?));
    m.retain(|_, w| w.strong_count() > 0);
    m.insert(va, Arc::downgrade(&c));
    Ok(c)
}

/// One vfio registration per pool region (keyed by its primary mapping address).
fn vfio_registration(pool: &Pool) -> Result<Arc<ExternalDma>> {
    static REG: OnceLock<Mutex<HashMap<usize, Weak<ExternalDma>>>> = OnceLock::new();
    let mut m = REG.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let va = pool.region().as_ptr() as usize;
    if let Some(g) = m.get(&va).and_then(Weak::upgrade) {
        return Ok(g);
    }
    let g = Arc::new(ExternalDma::register(va, pool.region().len())?);
    m.retain(|_, w| w.strong_count() > 0);
    m.insert(va, Arc::downgrade(&g));
    Ok(g)
}

/// Physical base of every 2 MiB page of a hugepage-backed region (uio, vfio no-IOMMU).
fn phys_pages(pool: &Pool, route: Route) -> Result<Vec<u64>> {
    let r = pool.region();
    if !r.is_huge() {
        let who = if route == Route::VfioNoIommu { "vfio-pci in no-IOMMU mode" } else { "uio_pci_generic" };
        return Err(Error::NoHugepages(format!(
            "pool '{}' is not backed by hugepages, which {who} (physical addresses) needs: a buffer \
             must be physically contiguous and never move. Reserve hugepages before creating the pool \
             (`ringway hugepages --reserve 256`, or echo 256 > /proc/sys/vm/nr_hugepages), or bind the NIC to \
             vfio-pci if the machine has an IOMMU",
            r.name()
        )));
    }
    (0..r.len() / HUGE_PAGE)
        .map(|i| {
            // SAFETY: i * HUGE_PAGE < len: an address inside the mapping (only its number is used).
            let va = unsafe { r.as_ptr().add(i * HUGE_PAGE) } as usize;
            crate::mem::iova::phys_addr(va)
        })
        .collect()
}

impl PoolDma {
    /// Packet memory for a NIC reached through `route`. Shares the process's cache for this pool
    /// (one pool user slot for all virtio ports on it; see `shared_cache`).
    pub fn new(pool: Arc<Pool>, route: Route) -> Result<PoolDma> {
        let addr = match route {
            Route::Vfio => {
                let g = vfio_registration(&pool)?;
                Addr::Vfio { base: g.iova(), _guard: g }
            }
            Route::Uio | Route::VfioNoIommu => Addr::Phys(phys_pages(&pool, route)?),
        };
        Ok(PoolDma { shared: shared_cache(&pool)?, cache: None, pool, addr })
    }

    #[cfg(test)]
    fn fake(pool: Arc<Pool>, base: u64) -> PoolDma {
        PoolDma { shared: shared_cache(&pool).unwrap(), cache: None, pool, addr: Addr::Fake(base) }
    }

    /// Runs `f` on this port's own cache, made on first use. If the pool has no user slot left
    /// for it, waits for the shared cache instead (a burst's worth of time, on a pool with more
    /// users than slots: rare by construction, and still correct).
    #[cold]
    fn with_own<R>(&mut self, f: impl FnOnce(&mut PoolCache) -> R) -> R {
        if self.cache.is_none() {
            self.cache = PoolCache::new(self.pool.clone()).ok();
        }
        match &mut self.cache {
            Some(c) => f(c),
            None => f(&mut self.shared.lock().unwrap_or_else(|e| e.into_inner())),
        }
    }

    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// Another handle on the same pool, shared cache and device addresses, with no cache of its
    /// own yet (one per queue part of a split driver, virtio/split.rs).
    pub fn fork(&self) -> Result<PoolDma> {
        let addr = match &self.addr {
            Addr::Vfio { base, _guard } => Addr::Vfio { base: *base, _guard: _guard.clone() },
            Addr::Phys(p) => Addr::Phys(p.clone()),
            #[cfg(test)]
            Addr::Fake(b) => Addr::Fake(*b),
        };
        Ok(PoolDma { shared: self.shared.clone(), cache: None, pool: self.pool.clone(), addr })
    }

    /// Whether `h` is one of this pool's buffers (handles arriving from JS are untrusted).
    #[inline]
    pub fn valid(&self, h: u32) -> bool {
        self.pool.valid(h)
    }

    /// Return cached buffers to the shared ring (close path: so the pool audits whole). The
    /// shared cache is flushed too (other ports just refill it from the ring).
    pub fn flush(&mut self) {
        if let Some(c) = &mut self.cache {
            c.flush();
        }
        self.shared.lock().unwrap_or_else(|e| e.into_inner()).flush();
    }
}

// SAFETY: virt/iova validate the handle (panic on a foreign one, as the contract requires);
// valid(h) guarantees [offset(h), offset(h) + stride) lies inside the region, which is pinned
// (hugepages, or mlocked + pinned by VFIO_IOMMU_MAP_DMA) for as long as `pool` and the vfio
// guard live, i.e. as long as self. The pool layout keeps every buffer inside one 2 MiB unit,
// so under physical addressing the per-page base + offset is contiguous over the buffer.
unsafe impl DmaBuffers for PoolDma {
    #[inline]
    fn alloc_burst(&mut self, out: &mut [u32]) -> usize {
        if let Ok(mut c) = self.shared.try_lock() {
            return c.alloc_burst(out);
        }
        self.with_own(|c| c.alloc_burst(out))
    }
    #[inline]
    fn free_burst(&mut self, h: &[u32]) {
        if let Ok(mut c) = self.shared.try_lock() {
            return c.free(h);
        }
        self.with_own(|c| c.free(h))
    }
    #[inline]
    fn virt(&self, h: u32) -> *mut u8 {
        self.pool.buf_ptr(h).unwrap_or_else(|| panic!("buffer handle {h} not from pool '{}'", self.pool.region().name()))
    }
    #[inline]
    fn iova(&self, h: u32) -> u64 {
        assert!(self.pool.valid(h), "buffer handle {h} not from this pool");
        let off = self.pool.offset(h);
        match &self.addr {
            Addr::Vfio { base, .. } => base + off as u64,
            Addr::Phys(pages) => pages[off / HUGE_PAGE] + (off % HUGE_PAGE) as u64,
            #[cfg(test)]
            Addr::Fake(base) => base + off as u64,
        }
    }
    #[inline]
    fn buf_len(&self) -> usize {
        self.pool.stride() as usize
    }
    #[inline]
    fn rx_data_off(&self) -> u16 {
        (META_SIZE as u32 + self.pool.headroom()) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mem::region::{HugePolicy, LockPolicy};
    use crate::mempool::PoolConfig;

    fn pool(n: u32, huge: HugePolicy) -> Arc<Pool> {
        Pool::create(&PoolConfig { name: "dma-t".into(), n_bufs: n, huge, lock: LockPolicy::BestEffort, ..Default::default() }).unwrap()
    }

    #[test]
    fn addresses_follow_the_pool_layout() {
        let p = pool(2000, HugePolicy::Never);
        let mut d = PoolDma::fake(p.clone(), 1 << 32);
        let mut h = [0u32; 64];
        assert_eq!(d.alloc_burst(&mut h), 64);
        for &x in &h {
            assert_eq!(d.virt(x), p.buf_ptr(x).unwrap());
            assert_eq!(d.iova(x), (1u64 << 32) + p.offset(x) as u64);
            // fresh buffers: empty packet at the default data offset, which is what RX uses
            assert_eq!((d.data_off(x), d.data_len(x)), (d.rx_data_off(), 0));
        }
        assert_eq!(d.rx_data_off(), 64 + 128);
        assert_eq!(d.buf_len(), p.stride() as usize);
        d.set_data(h[0], 200, 60);
        assert_eq!((d.data_off(h[0]), d.data_len(h[0])), (200, 60));
        d.free_burst(&h);
        d.flush();
        drop(d);
        assert_eq!(p.audit(), (0, 0));
        assert_eq!(p.stats().in_use, 0);
    }

    #[test]
    fn ports_on_one_pool_share_a_cache() {
        let p = pool(2000, HugePolicy::Never);
        let mut a = PoolDma::fake(p.clone(), 0);
        let mut b = PoolDma::fake(p.clone(), 0);
        assert!(Arc::ptr_eq(&a.shared, &b.shared));
        // what b's TX completions free, a's RX refill gets back first (LIFO, one cache)
        let mut h = [0u32; 32];
        assert_eq!(a.alloc_burst(&mut h), 32);
        b.free_burst(&h);
        let mut g = [0u32; 32];
        assert_eq!(a.alloc_burst(&mut g), 32);
        assert_eq!(g, h);
        // no contention yet: no own cache, no pool user slot taken for it
        assert!(a.cache.is_none() && b.cache.is_none());
        // the shared cache busy on another thread: the port's own cache serves, nothing blocks
        {
            let _held = b.shared.lock().unwrap();
            let mut k = [0u32; 8];
            assert_eq!(a.alloc_burst(&mut k), 8);
            a.free_burst(&k);
            assert!(a.cache.as_ref().unwrap().cached() >= 8);
        }
        a.free_burst(&g);
        a.flush();
        b.flush();
        assert_eq!(p.stats().in_use, 0);
        drop((a, b));
        assert_eq!(p.audit(), (0, 0));
        // the last user gone, a new port gets a fresh shared cache
        let c = PoolDma::fake(p.clone(), 0);
        assert_eq!(Arc::strong_count(&c.shared), 1);
    }

    #[test]
    #[should_panic(expected = "not from")]
    fn foreign_handles_are_refused() {
        let p = pool(100, HugePolicy::Never);
        let d = PoolDma::fake(p, 0);
        d.iova(1 << 30);
    }

    #[test]
    fn uio_without_hugepages_names_the_fix() {
        let p = pool(100, HugePolicy::Never);
        let e = PoolDma::new(p, Route::Uio).err().unwrap();
        assert_eq!(e.code(), "ERR_RINGWAY_NO_HUGEPAGES");
        assert!(e.to_string().contains("ringway hugepages --reserve"), "{e}");
    }

    #[test]
    fn vfio_noiommu_without_hugepages_names_the_fix() {
        let p = pool(100, HugePolicy::Never);
        let e = PoolDma::new(p, Route::VfioNoIommu).err().unwrap();
        assert_eq!(e.code(), "ERR_RINGWAY_NO_HUGEPAGES");
        assert!(e.to_string().contains("vfio-pci in no-IOMMU mode"), "{e}");
        assert!(e.to_string().contains("ringway hugepages --reserve"), "{e}");
    }

    #[test]
    fn uio_physical_addresses_are_contiguous_within_a_buffer() {
        // Needs free hugepages and root (pagemap PFNs); otherwise there is nothing to check.
        if crate::mem::region::free_hugepages() < 4 {
            eprintln!("skipped: no free hugepages");
            return;
        }
        let p = pool(3000, HugePolicy::Require);
        let d = match PoolDma::new(p.clone(), Route::Uio) {
            Ok(d) => d,
            Err(e) => {
                assert!(e.to_string().contains("root"), "{e}");
                return;
            }
        };
        for h in (0..4000u32).filter(|&h| p.valid(h)) {
            let (first, last) = (p.offset(h), p.offset(h) + p.stride() as usize - 1);
            assert_eq!(first / HUGE_PAGE, last / HUGE_PAGE, "buffer {h} straddles 2 MiB");
            // the page base we cached equals what pagemap says for the buffer start
            let want = crate::mem::iova::phys_addr(p.buf_ptr(h).unwrap() as usize).unwrap();
            assert_eq!(d.iova(h), want, "buffer {h}");
        }
    }

    #[test]
    fn one_vfio_registration_per_region() {
        let p = pool(100, HugePolicy::Never);
        let a = vfio_registration(&p).unwrap();
        let b = vfio_registration(&p).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.iova() % HUGE_PAGE as u64, 0);
        drop((a, b));
        let q = pool(100, HugePolicy::Never);
        let c = vfio_registration(&q).unwrap();
        assert_eq!(Arc::strong_count(&c), 1);
    }
}
