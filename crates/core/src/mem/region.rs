//! A Region is one memfd: mapped once by the core (the primary mapping, used by Rust and for DMA)
//! and mapped again, at a different address, for each JS worker that asks for a view.
//!
//! Why a memfd per object and a mapping per worker (docs/memory-model.md has the measurements):
//! Node-API cannot wrap native memory as a SharedArrayBuffer, external ArrayBuffers silently copy
//! when posted to another thread, and one pointer behind two external ArrayBuffers aborted V8 in
//! older Nodes (nodejs/node#32463; napi-rs panics on it in debug builds). A second mmap of the same
//! fd gives every worker its own pointer onto the SAME physical pages, costs no extra memory and
//! no copy, and is safe on every Node version. Everything shared stores offsets, never pointers.
use crate::error::{Error, Result};
use crate::mem::{HUGE_PAGE, SMALL_PAGE};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Where the pages come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HugePolicy {
    /// 2 MiB hugepages when enough are reserved, else ordinary pages (with a warning).
    Auto,
    /// 2 MiB hugepages or an error naming how to reserve them (what physical-address DMA needs).
    Require,
    /// Ordinary pages (small test regions, rings).
    Never,
}

/// Whether ordinary pages must be locked. DMA needs pages that never move or swap; an in-memory
/// pipeline only benefits from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockPolicy {
    Required,
    BestEffort,
}

pub struct Region {
    fd: OwnedFd,
    ptr: *mut u8,
    len: usize,
    huge: bool,
    locked: bool,
    name: String,
    warning: Option<String>,
}

// SAFETY: the region is plain shared memory; all cross-thread access to its contents goes through
// atomics or through buffers whose ownership is handed over by the rings (see docs/memory-model.md).
unsafe impl Send for Region {}
// SAFETY: as above; &Region only exposes the pointer and immutable metadata.
unsafe impl Sync for Region {}

fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// Reads /proc/meminfo's HugePages_Free (2 MiB pages), 0 when absent.
pub fn free_hugepages() -> usize {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("HugePages_Free:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn memfd(name: &str, flags: libc::c_uint) -> Result<OwnedFd> {
    let cname = std::ffi::CString::new(format!("ringway:{name}"))
        .map_err(|_| Error::InvalidArgument(format!("region name {name:?} contains a NUL byte")))?;
    // SAFETY: cname is a valid NUL-terminated string; memfd_create has no other preconditions.
    let fd = unsafe { libc::memfd_create(cname.as_ptr(), flags | libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(Error::os(format!("memfd_create for region '{name}'")));
    }
    // SAFETY: fd was just returned by memfd_create and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn map_fd(fd: &OwnedFd, len: usize, populate: bool) -> Result<*mut u8> {
    let flags = libc::MAP_SHARED | if populate { libc::MAP_POPULATE } else { 0 };
    // SAFETY: a fresh mapping chosen by the kernel (addr = NULL) of a file we own; no existing
    // memory is affected. The result is checked against MAP_FAILED.
    let p = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd.as_raw_fd(), 0) };
    if p == libc::MAP_FAILED {
        return Err(Error::os(format!("mmap of {len} bytes")));
    }
    Ok(p as *mut u8)
}

fn memlock_limit() -> u64 {
    let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: r is a valid out-pointer for getrlimit.
    unsafe { libc::getrlimit(libc::RLIMIT_MEMLOCK, &mut r) };
    r.rlim_cur
}

impl Region {
    /// Creates a zero-filled region of at least `len` bytes.
    pub fn create(name: &str, len: usize, huge: HugePolicy, lock: LockPolicy) -> Result<Region> {
        if len == 0 || len > (1usize << 40) {
            return Err(Error::InvalidArgument(format!("region '{name}': size {len} bytes is out of range (1 byte .. 1 TiB)")));
        }
        let mut warning = None;
        if huge != HugePolicy::Never {
            let hlen = round_up(len, HUGE_PAGE);
            let need = hlen / HUGE_PAGE;
            let free = free_hugepages();
            if free >= need {
                match Self::create_huge(name, hlen) {
                    Ok(r) => return Ok(r),
                    Err(e) if huge == HugePolicy::Require => return Err(e),
                    Err(e) => warning = Some(format!("{e}")),
                }
            } else if huge == HugePolicy::Require {
                return Err(Error::NoHugepages(format!(
                    "region '{name}' needs {need} free 2 MiB hugepages but {free} are free. Reserve them with \
                     `echo {want} > /proc/sys/vm/nr_hugepages` (or `ringway hugepages --reserve {want}`) as root",
                    want = need + 64
                )));
            }
            let w = warning.get_or_insert_with(|| format!("no free 2 MiB hugepages ({free} free, {need} needed)"));
            *w = format!(
                "ringway: region '{name}': {w}; using ordinary pages locked with mlock instead. \
                 For DMA-grade memory reserve hugepages: echo {want} > /proc/sys/vm/nr_hugepages",
                want = need + 64
            );
        }
        let slen = round_up(len, SMALL_PAGE);
        let fd = memfd(name, 0)?;
        // SAFETY: fd is a valid memfd we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), slen as libc::off_t) } != 0 {
            return Err(Error::os(format!("ftruncate of region '{name}' to {slen} bytes")));
        }
        let ptr = map_fd(&fd, slen, true)?;
        let mut r = Region { fd, ptr, len: slen, huge: false, locked: false, name: name.into(), warning };
        // SAFETY: [ptr, ptr+slen) is the mapping we just made.
        if unsafe { libc::mlock(ptr as *const libc::c_void, slen) } == 0 {
            r.locked = true;
        } else if lock == LockPolicy::Required {
            let lim = memlock_limit();
            return Err(Error::MemlockLimit(format!(
                "cannot lock {} KiB of packet memory for region '{name}': RLIMIT_MEMLOCK is {} KiB. \
                 Raise it (`ulimit -l unlimited`, or LimitMEMLOCK=infinity in a systemd unit), run as root, \
                 or reserve hugepages (echo 512 > /proc/sys/vm/nr_hugepages)",
                slen / 1024,
                if lim == libc::RLIM_INFINITY { u64::MAX } else { lim / 1024 }
            )));
        }
        Ok(r)
    }

    fn create_huge(name: &str, len: usize) -> Result<Region> {
        let fd = memfd(name, libc::MFD_HUGETLB | libc::MFD_HUGE_2MB)?;
        // SAFETY: fd is a valid memfd we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), len as libc::off_t) } != 0 {
            return Err(Error::os(format!("ftruncate of hugepage region '{name}' to {len} bytes")));
        }
        // MAP_POPULATE faults every hugepage in now, so a shortage shows here (as ENOMEM or
        // SIGBUS-free failure) and not later on the data path.
        let ptr = map_fd(&fd, len, true).map_err(|e| Error::NoHugepages(format!("hugepage region '{name}' ({} MiB): {e}", len >> 20)))?;
        Ok(Region { fd, ptr, len, huge: true, locked: true, name: name.into(), warning: None })
    }

    /// Maps the same pages again at a new address (one per JS worker). The mapping is unmapped
    /// when the returned value drops.
    pub fn map_view(&self) -> Result<Mapping> {
        let ptr = map_fd(&self.fd, self.len, false)?;
        Ok(Mapping { ptr, len: self.len })
    }

    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn is_huge(&self) -> bool {
        self.huge
    }
    pub fn is_locked(&self) -> bool {
        self.locked
    }
    pub fn page_size(&self) -> usize {
        if self.huge {
            HUGE_PAGE
        } else {
            SMALL_PAGE
        }
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The one-line warning when hugepages were wanted but ordinary pages were used.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }
    pub fn fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: ptr/len is the primary mapping made in create(); nothing uses it after drop
        // (owners hold the Region in an Arc for as long as they use the pointer).
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// A secondary mapping of a Region (a worker's view).
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}
// SAFETY: see Region.
unsafe impl Send for Mapping {}

impl Mapping {
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Mapping {
    /// Replaces the mapping's pages with private anonymous memory at the same addresses: the
    /// memfd's pages (hugepages included) are let go now, while whatever still points into the
    /// range (a SharedArrayBuffer view, which cannot be detached) reads zeros until it is dropped
    /// and the range unmapped.
    pub fn retire(&self) -> Result<()> {
        // SAFETY: MAP_FIXED over exactly ptr..ptr+len, this mapping's own range (made by map_view
        // and not unmapped before drop): no memory outside it is affected.
        let p = unsafe {
            libc::mmap(
                self.ptr as *mut libc::c_void,
                self.len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Error::os(format!("mmap over a retired view of {} bytes", self.len)));
        }
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: ptr/len is the mapping made in map_view(); the owner guarantees no live view.
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retired_view_lets_go_of_the_pages() {
        let r = Region::create("t", 4096, HugePolicy::Never, LockPolicy::BestEffort).unwrap();
        let v = r.map_view().unwrap();
        // SAFETY: both map the same 4 KiB memfd; offset 9 is in range.
        unsafe {
            *r.as_ptr().add(9) = 0x5a;
            assert_eq!(*v.as_ptr().add(9), 0x5a);
            v.retire().unwrap();
            assert_eq!(*v.as_ptr().add(9), 0, "the retired range is fresh anonymous memory");
            *v.as_ptr().add(9) = 0x11; // still writable, and no longer shared
            assert_eq!(*r.as_ptr().add(9), 0x5a);
        }
    }

    #[test]
    fn two_mappings_share_pages() {
        let r = Region::create("t", 10_000, HugePolicy::Never, LockPolicy::BestEffort).unwrap();
        assert_eq!(r.len(), 12288);
        let v = r.map_view().unwrap();
        assert_ne!(v.as_ptr(), r.as_ptr());
        // SAFETY: both pointers map the same 12 KiB memfd; offsets are in range.
        unsafe {
            *r.as_ptr().add(5000) = 0xab;
            assert_eq!(*v.as_ptr().add(5000), 0xab);
            *v.as_ptr().add(7) = 0x11;
            assert_eq!(*r.as_ptr().add(7), 0x11);
        }
    }

    #[test]
    fn require_hugepages_names_the_fix_when_none() {
        if free_hugepages() > 0 {
            return; // the machine has hugepages: the error path cannot be provoked here
        }
        let e = Region::create("h", 1 << 20, HugePolicy::Require, LockPolicy::Required).err().unwrap();
        assert_eq!(e.code(), "ERR_RINGWAY_NO_HUGEPAGES");
        assert!(e.to_string().contains("/proc/sys/vm/nr_hugepages"), "{e}");
    }

    #[test]
    fn auto_falls_back_with_one_warning() {
        let r = Region::create("a", 1 << 20, HugePolicy::Auto, LockPolicy::BestEffort).unwrap();
        if r.is_huge() {
            assert!(r.warning().is_none());
        } else {
            let w = r.warning().unwrap();
            assert!(w.contains("nr_hugepages") && !w.contains('\n'), "{w}");
        }
    }

    #[test]
    fn bad_size_is_named() {
        let e = Region::create("z", 0, HugePolicy::Never, LockPolicy::BestEffort).err().unwrap();
        assert!(e.to_string().contains("region 'z'"));
    }
}
