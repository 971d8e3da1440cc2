//! What the kernel-interface ports (af_packet, tap, af_xdp) keep beside their queues, the same in
//! each: the tag their RX path writes into META_PORT, and the interface facts `kernel_info()`
//! reports and refreshes. One piece so the three NativePort impls forward to it instead of each
//! carrying a copy.
use super::netdev::{self, KernelInfo};
use super::PortBlock;
use crate::error::Result;
use std::sync::atomic::{AtomicU16, Ordering::Relaxed};
use std::sync::Mutex;

pub struct KernelPortState {
    /// the port's registry tag (set once registered; 0 before): META_PORT of received packets
    port_id: AtomicU16,
    info: Mutex<KernelInfo>,
}

impl KernelPortState {
    pub fn new(info: KernelInfo) -> KernelPortState {
        KernelPortState { port_id: AtomicU16::new(0), info: Mutex::new(info) }
    }

    /// Read once per RX burst (a relaxed load: the tag is written once, at open, before any burst).
    #[inline]
    pub fn port_id(&self) -> u16 {
        self.port_id.load(Relaxed)
    }

    pub fn set_port_id(&self, id: u16) {
        self.port_id.store(id, Relaxed);
    }

    /// The facts from open, with MTU and link re-read now (they change under us: `ip link set`);
    /// the shared block gets the fresh link, speed and MTU too. None if the lock was poisoned.
    pub fn kernel_info(&self, block: &PortBlock) -> Option<KernelInfo> {
        let mut i = self.info.lock().ok()?.clone();
        i.mtu = netdev::mtu(&i.ifname);
        i.link_up = netdev::link(&i.ifname).1;
        block.set_link(i.link_up, netdev::speed(&i.ifname));
        block.set_mtu(i.mtu);
        Some(i)
    }
}

/// Takes a queue (or program) out of its lock at close, even if a panicking burst poisoned the
/// lock: close must release it either way.
pub fn take<T>(m: &Mutex<Option<T>>) -> Option<T> {
    m.lock().map(|mut g| g.take()).unwrap_or_else(|e| e.into_inner().take())
}

/// close() of a port whose queues need nothing but dropping (af_packet, tap): each queue's socket
/// or fd is closed and its cache flushed back to the pool, then the link reads down.
pub fn close_queues<Q>(queues: &[Mutex<Option<Q>>], block: &PortBlock) -> Result<()> {
    for m in queues {
        drop(take(m));
    }
    block.set_link(false, 0);
    Ok(())
}
