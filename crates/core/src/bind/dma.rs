//! DMA-able memory for rings and test packet buffers, and the IOVA the device must use for it.
//!
//! One process-wide IOVA mode, set by the first device opened:
//! - vfio: every area is mapped into the vfio container at an IOVA from a bump allocator
//!   (not IOVA=VA: a vIOMMU often has 39 address bits, user VAs need 47);
//! - uio: the IOVA is the physical address read from /proc/self/pagemap. Physical pages must then
//!   stay put: hugepages are never migrated or swapped; 4 KiB pages are mlock()ed, which stops
//!   swapping but (in theory) not compaction, hence hugepages are the recommended backing.
//!   A buffer must also not straddle a non-contiguous page boundary (see `contiguous`).
//!
//!   vfio-pci in no-IOMMU mode uses this mode too (no MAP_DMA exists there).
//!
//! Mixing IOMMU-translated (vfio) and physical-address devices (uio, vfio no-IOMMU) in one
//! process is refused: an area has one IOVA per mode. The mode is counted per open device and
//! freed when the last one closes, so uio and vfio no-IOMMU devices may share a process.
use crate::error::{Error, Result};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IovaMode {
    /// vfio container mapping (IOVA from our allocator)
    Vfio,
    /// physical addresses (uio_pci_generic, vfio-pci no-IOMMU)
    Phys,
}

static MODE: AtomicU8 = AtomicU8::new(0);
/// devices holding the current mode (guarded by the lock, MODE is read lock-free)
static HOLDERS: Mutex<usize> = Mutex::new(0);
const HUGE: usize = 2 << 20;
/// First IOVA handed out: above the low 4 GiB where a vIOMMU may reserve MSI/RMRR windows.
const IOVA_BASE: u64 = 1 << 32;

struct Area {
    va: usize,
    len: usize,
    iova: u64,
}

struct State {
    areas: Vec<Area>,
    next_iova: u64,
    /// vfio container fd with an IOMMU set, while any vfio device is open.
    container: Option<i32>,
}

static STATE: Mutex<State> = Mutex::new(State { areas: Vec::new(), next_iova: IOVA_BASE, container: None });

pub fn mode() -> Option<IovaMode> {
    match MODE.load(Ordering::Relaxed) {
        1 => Some(IovaMode::Vfio),
        2 => Some(IovaMode::Phys),
        _ => None,
    }
}

/// Claim the process-wide IOVA mode for a device being opened.
/// Every successful claim is paired with one `release_mode()` when that device closes.
pub(crate) fn claim_mode(m: IovaMode) -> Result<()> {
    let v = if m == IovaMode::Vfio { 1 } else { 2 };
    let mut n = HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
    let cur = MODE.load(Ordering::SeqCst);
    if *n > 0 && cur != v {
        return Err(Error::Unsupported(
            "cannot mix IOMMU-translated devices (vfio-pci with an IOMMU) and physical-address devices \
             (uio_pci_generic, vfio-pci no-IOMMU) in one process: bind all NICs the same way"
                .into(),
        ));
    }
    MODE.store(v, Ordering::SeqCst);
    *n += 1;
    Ok(())
}

/// A device that claimed the mode closed; after the last one a later open may pick another.
pub(crate) fn release_mode() {
    let mut n = HOLDERS.lock().unwrap_or_else(|e| e.into_inner());
    *n = n.saturating_sub(1);
    if *n == 0 {
        MODE.store(0, Ordering::SeqCst);
    }
}

/// vfio: a container got its IOMMU set; map every live area into it.
pub(crate) fn attach_container(fd: i32) -> Result<()> {
    let mut st = STATE.lock().unwrap();
    for a in &st.areas {
        super::vfio::map_dma(fd, a.va, a.iova, a.len)?;
    }
    st.container = Some(fd);
    Ok(())
}

/// vfio: the last device closes; unmap everything before the container fd goes away.
pub(crate) fn detach_container() {
    let mut st = STATE.lock().unwrap();
    if let Some(fd) = st.container.take() {
        for a in &st.areas {
            super::vfio::unmap_dma(fd, a.iova, a.len);
        }
    }
}

fn register(va: usize, len: usize) -> Result<u64> {
    let mut st = STATE.lock().unwrap();
    let iova = st.next_iova;
    if let Some(fd) = st.container {
        super::vfio::map_dma(fd, va, iova, len)?;
    }
    st.next_iova += len.div_ceil(HUGE) as u64 * HUGE as u64;
    st.areas.push(Area { va, len, iova });
    Ok(iova)
}

fn unregister(va: usize) {
    let mut st = STATE.lock().unwrap();
    if let Some(i) = st.areas.iter().position(|a| a.va == va) {
        let a = st.areas.remove(i);
        if let Some(fd) = st.container {
            super::vfio::unmap_dma(fd, a.iova, a.len);
        }
    }
}

/// Test double support (virtio::testdev): run `f` on the `n` bytes at device address `iova`
/// of a live area, with the area table locked so the area cannot be unmapped meanwhile (an area
/// unregisters before it unmaps). None when no live area holds the whole range: the "device"
/// would be DMAing into memory that is not, or no longer, the driver's.
#[cfg(test)]
pub(crate) fn with_iova<R>(iova: u64, n: usize, f: impl FnOnce(*mut u8) -> R) -> Option<R> {
    let st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    let end = iova.checked_add(n as u64)?;
    let a = st.areas.iter().find(|a| iova >= a.iova && end <= a.iova + a.len as u64)?;
    Some(f((a.va + (iova - a.iova) as usize) as *mut u8))
}

/// Memory allocated elsewhere (e.g. a core mempool region) made reachable by vfio devices:
/// it is mapped into the container now or when the first vfio device opens, at the IOVA
/// returned by `iova()` (vfio mode only; under uio use physical addresses), and unmapped when
/// this guard drops. The memory must stay mapped and pinned for the guard's lifetime.
pub struct ExternalDma {
    va: usize,
    iova: u64,
}

impl ExternalDma {
    /// `va` and `len` must be page-aligned.
    pub fn register(va: usize, len: usize) -> Result<ExternalDma> {
        if !va.is_multiple_of(4096) || !len.is_multiple_of(4096) || len == 0 {
            return Err(Error::InvalidArgument(format!("DMA registration {va:#x}+{len:#x} is not page-aligned")));
        }
        Ok(ExternalDma { va, iova: register(va, len)? })
    }
    /// IOVA of the first byte (vfio mode); byte `off` is at `iova() + off`.
    pub fn iova(&self) -> u64 {
        self.iova
    }
}

impl Drop for ExternalDma {
    fn drop(&mut self) {
        unregister(self.va);
    }
}

/// A pinned, zeroed, DMA-able memory area.
pub struct DmaArea {
    va: *mut u8,
    len: usize,
    page: usize,
    iova: u64,
    /// physical address of each page, from pagemap (empty when unreadable, e.g. not root)
    phys: Vec<u64>,
}

// SAFETY: the area is plain memory owned by this value; concurrent access discipline is the
// owner's (rings are single-producer per queue).
unsafe impl Send for DmaArea {}
// SAFETY: shared access only reads the immutable fields or goes through volatile accessors.
unsafe impl Sync for DmaArea {}

impl DmaArea {
    /// Allocate at least `len` bytes: 2 MiB hugepages when the kernel has some free, otherwise
    /// 4 KiB pages populated and mlock()ed.
    pub fn new(len: usize) -> Result<DmaArea> {
        let hlen = len.div_ceil(HUGE) * HUGE;
        let prot = libc::PROT_READ | libc::PROT_WRITE;
        // MAP_SHARED, not PRIVATE: a fork (the uio watchdog, or libuv spawning a child) must not
        // make these pages copy-on-write. A private page the parent writes after a fork moves to
        // a new physical frame while the device keeps the old address (physical addressing), and
        // the old frame is freed when the child exits or execs. Shared pages never move.
        let flags = libc::MAP_SHARED | libc::MAP_ANONYMOUS | libc::MAP_POPULATE;
        // SAFETY: anonymous mapping, no file, result checked against MAP_FAILED.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), hlen, prot, flags | libc::MAP_HUGETLB | libc::MAP_LOCKED, -1, 0) };
        let (va, len, page) = if p != libc::MAP_FAILED {
            (p as *mut u8, hlen, HUGE)
        } else {
            let plen = len.div_ceil(4096) * 4096;
            // SAFETY: as above.
            let p = unsafe { libc::mmap(std::ptr::null_mut(), plen, prot, flags, -1, 0) };
            if p == libc::MAP_FAILED {
                return Err(Error::os(format!("mmap {plen} bytes of DMA memory")));
            }
            // SAFETY: locking the pages we just mapped.
            if unsafe { libc::mlock(p, plen) } != 0 {
                let e = Error::MemlockLimit(format!(
                    "mlock {plen} bytes of DMA memory: {} (raise `ulimit -l` or reserve hugepages)",
                    std::io::Error::last_os_error()
                ));
                // SAFETY: unmapping what we mapped above.
                unsafe { libc::munmap(p, plen) };
                return Err(e);
            }
            (p as *mut u8, plen, 4096)
        };
        // MAP_POPULATE pre-faulted every page (zeroed), so pagemap has real frame numbers.
        let phys = read_pagemap(va as usize, len, page).unwrap_or_default();
        match register(va as usize, len) {
            Ok(iova) => Ok(DmaArea { va, len, page, iova, phys }),
            Err(e) => {
                // SAFETY: unmapping what we mapped above; nothing else refers to it.
                unsafe { libc::munmap(va as *mut libc::c_void, len) };
                Err(e)
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn as_ptr(&self) -> *mut u8 {
        self.va
    }
    pub fn page_size(&self) -> usize {
        self.page
    }

    /// Device address of byte `off` under the current IOVA mode.
    #[inline]
    pub fn iova(&self, off: usize) -> u64 {
        match mode() {
            Some(IovaMode::Phys) => self.phys.get(off / self.page).map_or(0, |p| p + (off % self.page) as u64),
            _ => self.iova + off as u64,
        }
    }

    /// Is [off, off+n) one contiguous run for the device? Always under vfio; under physical
    /// addressing only when the pages involved are physically adjacent.
    pub fn contiguous(&self, off: usize, n: usize) -> bool {
        if mode() != Some(IovaMode::Phys) {
            return off + n <= self.len;
        }
        if self.phys.is_empty() || off + n > self.len {
            return false;
        }
        let (first, last) = (off / self.page, (off + n - 1) / self.page);
        (first..last).all(|i| self.phys[i + 1] == self.phys[i] + self.page as u64)
    }

    /// Can this area be used under physical addressing at all (pagemap readable)?
    pub fn has_phys(&self) -> bool {
        !self.phys.is_empty() && self.phys.iter().all(|&p| p != 0)
    }

    // Bounds-checked volatile accessors: ring memory is shared with the device, so the
    // compiler must neither cache nor elide these accesses.
    #[inline]
    pub fn read<T: Copy>(&self, off: usize) -> T {
        assert!(off + size_of::<T>() <= self.len && off.is_multiple_of(align_of::<T>()), "DMA read {off:#x} out of bounds");
        // SAFETY: in bounds and aligned (checked above); the area lives as long as self.
        unsafe { std::ptr::read_volatile(self.va.add(off) as *const T) }
    }
    #[inline]
    pub fn write<T: Copy>(&self, off: usize, v: T) {
        assert!(off + size_of::<T>() <= self.len && off.is_multiple_of(align_of::<T>()), "DMA write {off:#x} out of bounds");
        // SAFETY: in bounds and aligned (checked above); the area lives as long as self.
        unsafe { std::ptr::write_volatile(self.va.add(off) as *mut T, v) }
    }
}

impl Drop for DmaArea {
    fn drop(&mut self) {
        unregister(self.va as usize);
        // SAFETY: unmapping exactly our mapping; the device no longer has an IOMMU mapping for
        // it (above) and rings are reset before their area is dropped.
        unsafe { libc::munmap(self.va as *mut libc::c_void, self.len) };
    }
}

/// /proc/self/pagemap: one u64 per virtual page; bits 0-54 = PFN, bit 63 = present.
/// PFNs read as 0 without CAP_SYS_ADMIN.
fn read_pagemap(va: usize, len: usize, page: usize) -> Option<Vec<u64>> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open("/proc/self/pagemap").ok()?;
    let mut out = Vec::with_capacity(len / page);
    for i in 0..len / page {
        let v = va + i * page;
        let mut b = [0u8; 8];
        f.read_exact_at(&mut b, (v / 4096 * 8) as u64).ok()?;
        let e = u64::from_le_bytes(b);
        let pfn = e & ((1 << 55) - 1);
        if e >> 63 == 0 || pfn == 0 {
            return None;
        }
        out.push(pfn * 4096);
    }
    Some(out)
}
