//! BAR access: the ONLY place in the crate that touches device registers.
//!
//! Memory BARs are mmap()ed (vfio region or sysfs `resourceN`) and accessed with volatile
//! loads/stores. I/O-port BARs (the legacy virtio interface) are reached with pread/pwrite on
//! a file: the vfio device fd at the region offset, or sysfs `resourceN`, which the kernel
//! turns into in/out instructions.
//! Trade-off for port I/O: iopl()/ioperm() + inline `in`/`out` would avoid a syscall per
//! access, but needs CAP_SYS_RAWIO, x86-only asm, and opens every port on the machine to the
//! process. The syscall route is confined to this one BAR, works under vfio and uio alike,
//! and costs one syscall per kick, which the legacy transport pays once per burst.
//! Every access is bounds-checked against the BAR length: a bad offset is an error, never a
//! stray store.
use crate::error::{Error, Result};
use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// One device register reachable without this value: a pointer into the (inherited) BAR mapping,
/// or an I/O-port file offset. For a forked watchdog (bind/watchdog.rs), which may only make
/// plain stores and syscalls.
#[derive(Clone, Copy, Debug)]
pub enum RawReg {
    Mmio(*mut u8),
    Port(std::os::fd::RawFd, u64),
}

pub enum Bar {
    Mmio { ptr: *mut u8, len: usize },
    Io { file: Arc<File>, base: u64, len: usize },
}

// SAFETY: the mapping is owned by this value and unmapped in Drop; moving it to another thread
// moves that ownership. Register accesses are serialized by the owning driver (&self/&mut self).
unsafe impl Send for Bar {}
// SAFETY: every access through &self is a volatile load/store of device memory inside the
// mapping (bounds-checked) or a pread/pwrite on the region file, none of which touches Rust-owned
// memory, so concurrent calls are free of data races. What two threads' accesses mean to the
// device is the caller's business: after VirtioNet::split only notify registers (one store of a
// queue index each) are written concurrently.
unsafe impl Sync for Bar {}

impl Bar {
    /// mmap `len` bytes of `file` at `offset` (page-aligned) as device memory.
    pub fn map_mmio(file: &File, offset: u64, len: usize) -> Result<Bar> {
        // SAFETY: a fresh shared mapping of a device region; we never hand out references
        // into it, only volatile accesses through `ptr` bounded by `len`.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                offset as libc::off_t,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(Error::os(format!("mmap BAR ({len} bytes at file offset {offset:#x})")));
        }
        Ok(Bar::Mmio { ptr: p as *mut u8, len })
    }

    pub fn io(file: Arc<File>, base: u64, len: usize) -> Bar {
        Bar::Io { file, base, len }
    }

    pub fn len(&self) -> usize {
        match self {
            Bar::Mmio { len, .. } | Bar::Io { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Register `off` (bounds-checked) as a RawReg.
    pub fn raw_reg(&self, off: usize) -> Option<RawReg> {
        if off >= self.len() {
            return None;
        }
        Some(match self {
            // SAFETY: off < len: inside the mapping (only the address is computed here).
            Bar::Mmio { ptr, .. } => RawReg::Mmio(unsafe { ptr.add(off) }),
            Bar::Io { file, base, .. } => RawReg::Port(file.as_raw_fd(), base + off as u64),
        })
    }

    #[inline]
    fn check(&self, off: usize, n: usize) -> Result<()> {
        // Natural alignment too: unaligned device accesses are undefined on PCI.
        if off.checked_add(n).is_none_or(|end| end > self.len()) || !off.is_multiple_of(n) {
            return Err(Error::InvalidArgument(format!("BAR access {off:#x}+{n} outside {:#x} bytes", self.len())));
        }
        Ok(())
    }

    fn io_read(&self, off: usize, buf: &mut [u8]) -> Result<()> {
        let Bar::Io { file, base, .. } = self else { unreachable!() };
        file.read_exact_at(buf, base + off as u64).map_err(|e| Error::Io(format!("port read at {off:#x}: {e}")))
    }

    fn io_write(&self, off: usize, buf: &[u8]) -> Result<()> {
        let Bar::Io { file, base, .. } = self else { unreachable!() };
        file.write_all_at(buf, base + off as u64).map_err(|e| Error::Io(format!("port write at {off:#x}: {e}")))
    }
}

macro_rules! accessors {
    ($read:ident, $write:ident, $t:ty) => {
        impl Bar {
            #[inline]
            pub fn $read(&self, off: usize) -> Result<$t> {
                self.check(off, size_of::<$t>())?;
                match self {
                    // SAFETY: bounds and alignment checked above; the mapping lives as long as self.
                    Bar::Mmio { ptr, .. } => Ok(unsafe { std::ptr::read_volatile(ptr.add(off) as *const $t) }),
                    Bar::Io { .. } => {
                        let mut b = [0u8; size_of::<$t>()];
                        self.io_read(off, &mut b)?;
                        Ok(<$t>::from_le_bytes(b))
                    }
                }
            }
            #[inline]
            pub fn $write(&self, off: usize, v: $t) -> Result<()> {
                self.check(off, size_of::<$t>())?;
                match self {
                    Bar::Mmio { ptr, .. } => {
                        // SAFETY: bounds and alignment checked above; the mapping lives as long as self.
                        unsafe { std::ptr::write_volatile(ptr.add(off) as *mut $t, v) };
                        Ok(())
                    }
                    Bar::Io { .. } => self.io_write(off, &v.to_le_bytes()),
                }
            }
        }
    };
}
accessors!(read8, write8, u8);
accessors!(read16, write16, u16);
accessors!(read32, write32, u32);

impl Drop for Bar {
    fn drop(&mut self) {
        if let Bar::Mmio { ptr, len } = *self {
            // SAFETY: unmapping exactly the region mmap() returned; no references into it exist.
            unsafe { libc::munmap(ptr as *mut libc::c_void, len) };
        }
    }
}
