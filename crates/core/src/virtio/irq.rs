//! Interrupt mode for the RX queues: a poller that found nothing sleeps on the queue's
//! interrupt instead of spinning, and the device is asked for used-buffer notifications only
//! while it sleeps (virtio 1.2 §2.7.7 Used Buffer Notification Suppression; with
//! VIRTIO_F_EVENT_IDX through used_event). Two kernels' ways to receive the interrupt:
//!
//! - uio_pci_generic: INTx. One line per function, so every queue shares the one /dev/uioN.
//!   The uio model (Documentation/driver-api/uio-howto.rst): poll()/read() on /dev/uioN waits
//!   for the next interrupt. uio_pci_generic masks INTx in its handler (the PCI command
//!   register's Interrupt Disable bit), so after waking the driver reads the virtio ISR status
//!   (§4.1.4.5: the read de-asserts the line) and only then clears the bit again.
//! - vfio-pci: MSI-X. One vector per RX queue pair (queue_msix_vector, §4.1.5.1.2), each bound
//!   to its own eventfd with VFIO_DEVICE_SET_IRQS (bind/vfio_irq.rs); config changes and TX
//!   queues get NO_VECTOR (we read the link on demand and reclaim TX on each burst).
//!
//! Set up by `enable_irq` on the whole driver (the port does it at open, before splitting the
//! driver per queue, and keeps going without interrupts if it fails: the first wait reports
//! why). The vectors are programmed after DRIVER_OK, which QEMU and the spec's register
//! semantics allow (the register is read back, §4.1.5.1.2.1).
//!
//! Waiting never holds the port's lock: `arm` (lock), sleep in poll(2) on the fds, `finish`
//! (lock). The fds belong to the `Irq`, which waiters hold by `Arc`, so a port closed while a
//! thread sleeps leaves it a valid fd (it times out; the next burst sees the port closed).
use super::buffers::DmaBuffers;
use super::net::VirtioNet;
use super::spec::pci::NO_VECTOR;
use crate::bind::{vfio_irq, Device, Route};
use crate::error::{Error, Result};
use std::fs::File;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

enum Source {
    /// /dev/uioN of a uio_pci_generic function (INTx, shared by all queues)
    Intx(File),
    /// one eventfd per RX queue pair (MSI-X vector q)
    Msix(Vec<OwnedFd>),
}

pub struct Irq {
    src: Source,
    /// sleeps that ended because an interrupt arrived (not the timeout)
    pub wakeups: AtomicU64,
    /// times a waiter went to sleep (armed, found nothing, called poll)
    pub sleeps: AtomicU64,
}

impl Irq {
    /// "intx" (uio) or "msix" (vfio).
    pub fn kind(&self) -> &'static str {
        match self.src {
            Source::Intx(_) => "intx",
            Source::Msix(_) => "msix",
        }
    }

    /// The fd a waiter for RX queue `q` polls (POLLIN when the interrupt fired).
    pub fn fd(&self, q: u16) -> RawFd {
        match &self.src {
            Source::Intx(f) => f.as_raw_fd(),
            Source::Msix(v) => v[q as usize].as_raw_fd(),
        }
    }

    /// Consume what the kernel counted for queue `q`'s fd (non-blocking: nothing there is fine).
    fn drain(&self, q: u16) {
        let mut b = [0u8; 8];
        // uio: read() returns the 32-bit interrupt count and marks it seen for this open file;
        // eventfd: an 8-byte read returns the count and resets it to 0. Both non-blocking.
        let (fd, len) = match &self.src {
            Source::Intx(f) => (f.as_raw_fd(), 4),
            Source::Msix(v) => (v[q as usize].as_raw_fd(), 8),
        };
        // SAFETY: reading at most 8 bytes into an 8-byte buffer from an fd we own.
        let _ = unsafe { libc::read(fd, b.as_mut_ptr().cast(), len) };
    }

    /// Undo the kernel side at close (before the device fd goes): vfio MSI-X vectors unbound.
    pub(super) fn release(&self, dev: &Device) {
        if let (Source::Msix(_), Some(v)) = (&self.src, dev.vfio()) {
            vfio_irq::unbind_msix(v);
        }
    }
}

impl<B: DmaBuffers> VirtioNet<B> {
    /// Switch the RX queues to interrupt-capable (idempotent): uio opens /dev/uioN and unmasks
    /// INTx; vfio binds one MSI-X vector per RX queue to an eventfd and routes the queue to it.
    /// Queues stay suppressed (polled) until a waiter arms one.
    pub fn enable_irq(&mut self) -> Result<Arc<Irq>> {
        if let Some(i) = &self.irq {
            return Ok(i.clone());
        }
        if matches!(self.transport, super::split::Tp::Shared(_)) {
            // the vectors are bound once for every queue: a per-queue part cannot do it alone
            return Err(Error::Unsupported(format!("{}: interrupts must be enabled before the driver is split per queue", self.bdf)));
        }
        let dev = self.dev.as_ref().ok_or_else(|| Error::Unsupported(format!("{}: interrupts need a PCI function", self.bdf)))?;
        let src = match dev.route {
            Route::Uio => {
                let f = dev.uio().expect("uio route has a uio device").open_irq()?;
                // §4.1.4.5: clear a stale ISR (de-asserts INTx), then unmask INTx at the PCI level.
                self.transport.read_isr()?;
                dev.config.set_intx_disabled(false)?;
                Source::Intx(f)
            }
            Route::Vfio | Route::VfioNoIommu => {
                if self.transport.is_legacy() {
                    // enabling MSI-X would move the legacy device config (§4.1.4 legacy layout:
                    // two vector registers inserted), under a transport that already read it
                    return Err(Error::Unsupported(format!(
                        "{}: interrupt mode over vfio uses MSI-X, which the legacy transport does not support here; \
                         open the port with the modern transport",
                        self.bdf
                    )));
                }
                let n = self.rx.len();
                let fds = vfio_irq::bind_msix(dev.vfio().expect("vfio route has a vfio device"), n)?;
                for q in 0..n as u16 {
                    // §5.1.2: receiveq(q) is virtqueue 2q; its vector is q
                    let got = self.transport.set_queue_vector(2 * q, q)?;
                    if got != q {
                        vfio_irq::unbind_msix(dev.vfio().unwrap());
                        return Err(Error::Device(format!(
                            "{}: the device refused MSI-X vector {q} for RX queue {q} (read back {got:#x}{})",
                            self.bdf,
                            if got == NO_VECTOR { ": NO_VECTOR, it could not allocate it" } else { "" }
                        )));
                    }
                }
                Source::Msix(fds)
            }
        };
        let i = Arc::new(Irq { src, wakeups: AtomicU64::new(0), sleeps: AtomicU64::new(0) });
        self.irq = Some(i.clone());
        Ok(i)
    }

    /// The interrupt state, once enabled.
    pub fn irq(&self) -> Option<&Arc<Irq>> {
        self.irq.as_ref()
    }

    /// Before sleeping on RX queue `q`: notifications on, then the ring re-checked (§2.7.7).
    /// Returns false when packets are already there (the caller polls instead of sleeping; the
    /// notification is switched off again here).
    pub fn irq_arm(&mut self, q: u16) -> bool {
        let Some(rq) = self.rx.get_mut(q as usize) else { return false };
        if self.dead.is_some() {
            return false;
        }
        if rq.vq.enable_interrupt() {
            rq.vq.disable_interrupt();
            return false;
        }
        true
    }

    /// After the sleep (woken or timed out): notifications off again, the fd drained and, for
    /// INTx, the ISR read (de-asserts the line) before INTx is unmasked for the next sleep.
    pub fn irq_finish(&mut self, q: u16) {
        if let Some(rq) = self.rx.get_mut(q as usize) {
            rq.vq.disable_interrupt();
        }
        let Some(i) = self.irq.clone() else { return };
        i.drain(self.pair_index(q));
        if let (Source::Intx(_), Some(d)) = (&i.src, &self.dev) {
            let _ = self.transport.read_isr();
            let _ = d.config.set_intx_disabled(false);
        }
    }

    /// Entries waiting on RX queue `q` (no pop).
    pub fn rx_pending(&self, q: u16) -> bool {
        self.rx.get(q as usize).is_some_and(|r| r.vq.has_used())
    }
}

/// Sleep in poll(2) until one of `fds` is readable or `timeout_ms` passes (-1: no limit).
/// Returns how many fds were readable (0 on timeout). EINTR counts as a wake-up with none ready.
pub fn poll_fds(fds: &[RawFd], timeout_ms: i32) -> Result<usize> {
    let mut p = [libc::pollfd { fd: -1, events: 0, revents: 0 }; 64];
    let mut n = 0;
    for &fd in fds {
        if n < p.len() && !p[..n].iter().any(|x| x.fd == fd) {
            p[n] = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
            n += 1;
        }
    }
    // SAFETY: p[..n] are initialized pollfd structs on our stack.
    let r = unsafe { libc::poll(p.as_mut_ptr(), n as libc::nfds_t, timeout_ms) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == std::io::ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(Error::Io(format!("poll on interrupt fds: {e}")));
    }
    Ok(r as usize)
}

/// Counted by the waiter: one sleep, and whether an interrupt (not the timeout) ended it.
pub fn count_sleep(i: &Irq, woke: bool) {
    i.sleeps.fetch_add(1, Relaxed);
    if woke {
        i.wakeups.fetch_add(1, Relaxed);
    }
}
