//! vfio interrupts: MSI-X vectors bound to eventfds with VFIO_DEVICE_SET_IRQS (<linux/vfio.h>,
//! Documentation/driver-api/vfio.rst "VFIO User API"). The kernel's vfio-pci enables MSI-X in the
//! function's capability and signals vector i by adding 1 to eventfd i; a waiter polls the fd
//! and reads it (8 bytes) to reset the count. Kept beside vfio.rs, which does the container,
//! group and region work, so the interrupt path stays one concept per file.
use super::vfio::VfioDevice;
use super::vfio_uapi::*;
use crate::error::{Error, Result};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

#[repr(C)]
#[derive(Default)]
struct IrqInfo {
    argsz: u32,
    flags: u32,
    index: u32,
    count: u32,
}

/// struct vfio_irq_set { argsz, flags, index, start, count; u8 data[] }, with room for the
/// eventfds of up to `MAX_VECTORS` vectors as its data.
#[repr(C)]
struct IrqSet {
    argsz: u32,
    flags: u32,
    index: u32,
    start: u32,
    count: u32,
    fds: [i32; MAX_VECTORS],
}

/// More than a device here needs (config + 2 x 64 queue pairs would be 129; we bind at most one
/// vector per RX queue plus config).
pub const MAX_VECTORS: usize = 72;

fn ioctl<T>(fd: RawFd, req: u64, arg: *mut T) -> libc::c_int {
    // SAFETY: `arg` points at a live, correctly sized #[repr(C)] struct for `req` (argsz set).
    unsafe { libc::ioctl(fd, req as _, arg) }
}

/// How many MSI-X vectors the function has (VFIO_DEVICE_GET_IRQ_INFO on the MSI-X index).
pub fn msix_count(dev: &VfioDevice) -> Result<u32> {
    let mut i = IrqInfo { argsz: size_of::<IrqInfo>() as u32, index: PCI_MSIX_IRQ_INDEX, ..Default::default() };
    if ioctl(dev.file().as_raw_fd(), DEVICE_GET_IRQ_INFO, &mut i) != 0 {
        return Err(Error::os("VFIO_DEVICE_GET_IRQ_INFO (MSI-X)".to_string()));
    }
    Ok(i.count)
}

/// Makes `n` eventfds and binds MSI-X vectors 0..n to them (ACTION_TRIGGER | DATA_EVENTFD).
/// Non-blocking eventfds: a waiter polls, then drains with one read.
pub fn bind_msix(dev: &VfioDevice, n: usize) -> Result<Vec<OwnedFd>> {
    if n == 0 || n > MAX_VECTORS {
        return Err(Error::InvalidArgument(format!("{n} MSI-X vectors: use 1 to {MAX_VECTORS}")));
    }
    let have = msix_count(dev)? as usize;
    if have < n {
        return Err(Error::Unsupported(format!(
            "the device has {have} MSI-X vector(s), interrupt mode needs {n} (config + one per RX queue); \
             give the NIC more (QEMU: vectors=2*queues+2)"
        )));
    }
    let mut fds = Vec::with_capacity(n);
    for _ in 0..n {
        // SAFETY: plain syscall; the result is checked before use.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(Error::os("eventfd".to_string()));
        }
        // SAFETY: a fresh descriptor owned by nobody else.
        fds.push(unsafe { OwnedFd::from_raw_fd(fd) });
    }
    let mut s = IrqSet {
        argsz: (5 * 4 + 4 * n) as u32,
        flags: IRQ_SET_DATA_EVENTFD | IRQ_SET_ACTION_TRIGGER,
        index: PCI_MSIX_IRQ_INDEX,
        start: 0,
        count: n as u32,
        fds: [-1; MAX_VECTORS],
    };
    for (i, f) in fds.iter().enumerate() {
        s.fds[i] = f.as_raw_fd();
    }
    if ioctl(dev.file().as_raw_fd(), DEVICE_SET_IRQS, &mut s) != 0 {
        return Err(Error::os(format!("VFIO_DEVICE_SET_IRQS (MSI-X, {n} eventfds)")));
    }
    Ok(fds)
}

/// Unbinds every MSI-X vector (DATA_NONE, count 0: vfio-pci disables MSI-X). Best effort: the
/// device fd's release does the same.
pub fn unbind_msix(dev: &VfioDevice) {
    let mut s = IrqSet {
        argsz: 5 * 4,
        flags: IRQ_SET_DATA_NONE | IRQ_SET_ACTION_TRIGGER,
        index: PCI_MSIX_IRQ_INDEX,
        start: 0,
        count: 0,
        fds: [-1; MAX_VECTORS],
    };
    let _ = ioctl(dev.file().as_raw_fd(), DEVICE_SET_IRQS, &mut s);
}
