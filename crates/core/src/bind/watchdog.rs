//! The uio watchdog: a forked child that stops a device's DMA when the process driving it dies
//! without closing it (SIGKILL, a crash, the OOM killer).
//!
//! vfio-pci's release path (the last fd closes, also at process death) disables bus mastering
//! and resets the function. uio_pci_generic's does nothing: the device keeps DMAing into the
//! dead process's packet memory, which the kernel frees and hands to someone else. So at open
//! under uio the driver forks this child. It inherits the parent's mappings (the pool's memfd
//! and the rings are MAP_SHARED, dma.rs), which keeps that memory allocated while it lives, and
//! waits on a pipe whose only write end the parent holds (O_CLOEXEC, so no exec'd child keeps it).
//! - The parent closes the port: it resets the device itself, then writes one byte; the child
//!   exits without touching the device.
//! - The parent dies: the read returns EOF; the child clears Bus Master Enable (PCI Local Bus
//!   3.0 §6.2.2, command register bit 2: the function may no longer initiate memory cycles),
//!   then writes 0 to the virtio device status (virtio 1.2 §2.4: reset), then exits. Only then is
//!   the memory released: the device cannot DMA into freed memory.
//!
//! The child runs after fork() in a multi-threaded process, so it may only use async-signal-safe
//! calls (close, read, pread, pwrite, sigaction, _exit) and plain stores: no allocation, no lock,
//! no Rust std I/O. It ignores the terminal signals (a Ctrl-C to the process group must not kill
//! it before it sees EOF) and closes every other descriptor (it must not keep vfio containers,
//! sockets or pipes of the parent open).
//! Trade-off: one process per uio device while open (a few pages: the page tables are copied,
//! the memory is shared) and the fork's cost at open (milliseconds).
use crate::error::{Error, Result};
use crate::pci::bar::RawReg;
use std::os::fd::RawFd;

pub struct Watchdog {
    wfd: RawFd,
    pid: libc::pid_t,
}

/// PCI Local Bus 3.0 §6.2.2: command register bit 2, Bus Master Enable.
const CMD_BUS_MASTER: u16 = 1 << 2;

impl Watchdog {
    /// Fork the watchdog for a device whose command register is `cmd` (fd, offset) and whose
    /// virtio status register is `status`.
    pub fn spawn(cmd: (RawFd, u64), status: RawReg) -> Result<Watchdog> {
        let mut p = [0 as RawFd; 2];
        // SAFETY: p has room for the two descriptors pipe2 writes.
        if unsafe { libc::pipe2(p.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
            return Err(Error::os("watchdog pipe"));
        }
        let (rfd, wfd) = (p[0], p[1]);
        let port_fd = match status {
            RawReg::Port(fd, _) => fd,
            RawReg::Mmio(_) => -1,
        };
        // SAFETY: fork has no preconditions; the child only runs `child` (async-signal-safe).
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            let e = Error::os("fork the uio watchdog");
            // SAFETY: closing the pipe we just made.
            unsafe {
                libc::close(rfd);
                libc::close(wfd)
            };
            return Err(e);
        }
        if pid == 0 {
            // SAFETY: in the forked child; see `child`.
            unsafe { child(rfd, cmd, status, port_fd) }
        }
        // SAFETY: the parent keeps only the write end.
        unsafe { libc::close(rfd) };
        Ok(Watchdog { wfd, pid })
    }

    pub fn pid(&self) -> libc::pid_t {
        self.pid
    }

    /// The device was reset by its owner: tell the child to exit without touching it, and reap it.
    pub fn stand_down(&mut self) {
        if self.wfd < 0 {
            return;
        }
        let b = 1u8;
        // SAFETY: one byte from a local into our pipe end; then close it and reap the child.
        unsafe {
            libc::write(self.wfd, &b as *const u8 as *const libc::c_void, 1);
            libc::close(self.wfd);
            let mut st = 0;
            libc::waitpid(self.pid, &mut st, 0);
        }
        self.wfd = -1;
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stand_down();
    }
}

/// The watchdog child. Never returns.
///
/// # Safety
/// Only in the child right after fork(): it uses nothing but async-signal-safe calls.
unsafe fn child(rfd: RawFd, cmd: (RawFd, u64), status: RawReg, port_fd: RawFd) -> ! {
    for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT, libc::SIGPIPE, libc::SIGUSR1, libc::SIGUSR2] {
        libc::signal(s, libc::SIG_IGN);
    }
    let top = 4096.max(rfd.max(cmd.0).max(port_fd) + 1);
    for fd in 0..top {
        if fd != rfd && fd != cmd.0 && fd != port_fd {
            libc::close(fd);
        }
    }
    // and everything above (Linux >= 5.9; on older kernels the call fails and those stay open)
    libc::syscall(libc::SYS_close_range, top as libc::c_uint, libc::c_uint::MAX, 0 as libc::c_uint);
    let mut b = 0u8;
    let n = loop {
        let n = libc::read(rfd, &mut b as *mut u8 as *mut libc::c_void, 1);
        if n < 0 && *libc::__errno_location() == libc::EINTR {
            continue;
        }
        break n;
    };
    if n == 1 {
        libc::_exit(0); // stood down: the owner reset the device
    }
    // The owner died. First stop DMA (bus master off), then reset the device.
    let mut c = [0u8; 2];
    if libc::pread(cmd.0, c.as_mut_ptr() as *mut libc::c_void, 2, cmd.1 as libc::off_t) == 2 {
        let v = (u16::from_le_bytes(c) & !CMD_BUS_MASTER).to_le_bytes();
        libc::pwrite(cmd.0, v.as_ptr() as *const libc::c_void, 2, cmd.1 as libc::off_t);
    }
    match status {
        // virtio 1.2 §4.1.4.3 device_status / legacy status register: writing 0 resets.
        RawReg::Mmio(p) => std::ptr::write_volatile(p, 0u8),
        RawReg::Port(fd, off) => {
            let z = 0u8;
            libc::pwrite(fd, &z as *const u8 as *const libc::c_void, 1, off as libc::off_t);
        }
    }
    libc::_exit(1)
}
