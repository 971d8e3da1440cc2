//! Per-queue locking: `VirtioNet::split` turns one initialized driver into one driver per queue
//! pair, each owning its RX and TX virtqueue, its counters and its own `DmaBuffers` handle, and
//! sharing the transport (kicks: one register store per queue, §4.1.5.2) and the PCI binding.
//! A port holds each part behind its own lock (port/virtio.rs), so queues driven from different
//! threads never wait for each other; the burst code is the driver's own, unchanged (every part
//! sees its pair as queue 0; the virtqueue keeps its real index for notify).
//!
//! What stays with part 0: the control queue (promiscuous mode, link state reads go through the
//! shared transport), the uio watchdog. Interrupts are enabled on the whole driver before the
//! split (MSI-X vectors are bound once, for all queues) and every part shares the `Irq`.
//! Trade-off: a part whose queue breaks (`fail`) resets the device for every part; the others
//! then see nothing arrive and their TX rings fill (counted in tx_full) until the port is closed
//! and reopened, as the error of the broken part says.
use super::buffers::DmaBuffers;
use super::net::VirtioNet;
use super::Transport;
use crate::error::Result;
use std::sync::Arc;

/// The driver's transport: its own until the split, shared after it.
pub enum Tp {
    Own(Box<dyn Transport>),
    Shared(Arc<dyn Transport>),
    /// moved out by `split` (the husk left behind is closed and never used)
    Gone,
}

impl std::ops::Deref for Tp {
    type Target = dyn Transport;
    fn deref(&self) -> &(dyn Transport + 'static) {
        match self {
            Tp::Own(b) => &**b,
            Tp::Shared(a) => &**a,
            Tp::Gone => panic!("virtio transport used after the driver was split"),
        }
    }
}

impl std::ops::DerefMut for Tp {
    fn deref_mut(&mut self) -> &mut (dyn Transport + 'static) {
        match self {
            Tp::Own(b) => &mut **b,
            // queue set-up (the only &mut use) happens before the split
            _ => panic!("virtio transport set-up after the driver was split"),
        }
    }
}

impl<B: DmaBuffers> VirtioNet<B> {
    /// One driver per queue pair (see the module doc). `fork` makes each part's `DmaBuffers`
    /// (the same pool). Part k drives pair k as its queue 0.
    pub fn split(mut self, fork: impl Fn(&B) -> Result<B>) -> Result<Vec<VirtioNet<B>>> {
        let n = self.rx.len();
        let mut bufs = Vec::with_capacity(n);
        for _ in 0..n {
            bufs.push(fork(&self.bufs)?);
        }
        let t: Arc<dyn Transport> = match std::mem::replace(&mut self.transport, Tp::Gone) {
            Tp::Own(b) => Arc::from(b),
            Tp::Shared(a) => a,
            Tp::Gone => unreachable!("a driver is split once"),
        };
        // the husk: closed, so its Drop resets nothing
        self.closed = true;
        let mut rx = std::mem::take(&mut self.rx).into_iter();
        let mut tx = std::mem::take(&mut self.tx).into_iter();
        let mut parts = Vec::with_capacity(n);
        for (k, b) in bufs.into_iter().enumerate() {
            parts.push(VirtioNet {
                bdf: self.bdf,
                bufs: b,
                rx: vec![rx.next().expect("one RX queue per pair")],
                tx: vec![tx.next().expect("one TX queue per pair")],
                ctrl: if k == 0 { self.ctrl.take() } else { None },
                features: self.features,
                hdr_len: self.hdr_len,
                framing: self.framing,
                mac: self.mac,
                transport: Tp::Shared(t.clone()),
                dev: self.dev.clone(),
                dead: self.dead.clone(),
                irq: self.irq.clone(),
                closed: false,
                watchdog: if k == 0 { self.watchdog.take() } else { None },
            });
        }
        self.dev = None;
        self.irq = None;
        Ok(parts)
    }

    /// This part's pair index in the device (its RX virtqueue index / 2, §5.1.2).
    pub fn pair_index(&self, q: u16) -> u16 {
        self.rx.get(q as usize).map_or(q, |r| r.vq.index / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::super::pool_dma::PoolDma;
    use super::super::testdev::FakeNet;
    use super::super::{Config, DmaBuffers, TransportKind, VirtioNet};
    use crate::bind::Route;
    use crate::mem::region::{HugePolicy, LockPolicy};
    use crate::mempool::{Pool, PoolConfig};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    fn frame(q: u8, i: u32) -> Vec<u8> {
        let mut f = vec![q; 60];
        f[..4].copy_from_slice(&i.to_be_bytes());
        f
    }

    /// Two queue pairs of one device, split and put behind one lock each as VirtioPort does: a
    /// thread holding queue 0's lock (a long burst, a descheduled worker) does not stop another
    /// thread from receiving and transmitting on queue 1, and each part sees only its own
    /// queue's traffic and counters. Under the former port-wide lock the queue-1 thread would
    /// get nothing (try_lock fails) until queue 0's lock was released.
    #[test]
    fn queues_of_one_device_progress_on_two_threads_while_the_other_queue_is_held() {
        let pool = Pool::create(&PoolConfig {
            name: "split".into(),
            n_bufs: 1024,
            huge: HugePolicy::Never,
            lock: LockPolicy::BestEffort,
            ..Default::default()
        })
        .unwrap();
        let dma = PoolDma::new(pool.clone(), Route::Vfio).unwrap();
        let (dev, t) = FakeNet::new_mq(64, 2);
        let cfg =
            Config { queue_pairs: 2, ring_size: 64, promisc: None, transport: TransportKind::Auto, event_idx: false, features_off: 0 };
        let net = VirtioNet::with_transport("0000:00:10.0".parse().unwrap(), t, &cfg, dma).unwrap();
        assert_eq!(net.queue_pairs(), 2);
        assert_eq!(dev.pairs_set(), 2, "VQ_PAIRS_SET 2 sent through the control queue at open (§5.1.6.5.5)");
        let parts: Vec<Arc<Mutex<VirtioNet<PoolDma>>>> =
            net.split(|b| b.fork()).unwrap().into_iter().map(|p| Arc::new(Mutex::new(p))).collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].lock().unwrap().pair_index(0), 1);

        // queue 0's lock held by this thread for the whole of the other thread's work
        let held = parts[0].lock().unwrap();
        let done = Arc::new(AtomicBool::new(false));
        let (p1, d1, dn) = (parts[1].clone(), dev.clone(), done.clone());
        let worker = std::thread::spawn(move || {
            let mut got = 0usize;
            let mut hs = [0u32; 32];
            d1.take(2); // receiveq1 = virtqueue 2
            for i in 0..40 {
                assert!(d1.deliver(2, &frame(1, i)));
            }
            let t0 = Instant::now();
            while got < 40 && t0.elapsed() < Duration::from_secs(5) {
                // try_lock, as the port's hot path: never contended by queue 0's holder
                let mut g = p1.try_lock().expect("queue 1's lock is its own");
                let n = g.rx_burst(0, &mut hs);
                for &h in &hs[..n] {
                    let off = g.pool().data_off(h) as usize;
                    // SAFETY: the frame's first byte lies inside the received buffer.
                    assert_eq!(unsafe { *g.pool().virt(h).add(off + 4) }, 1, "queue 1 got only queue 1's frames");
                }
                assert_eq!(g.tx_burst(0, &hs[..n]), n);
                got += n;
            }
            let s = p1.lock().unwrap().queue_stats(0);
            dn.store(true, Ordering::SeqCst);
            (got, s.ipackets, s.opackets)
        });
        let (got, ip, op) = worker.join().unwrap();
        assert!(done.load(Ordering::SeqCst));
        assert_eq!((got, ip, op), (40, 40, 40), "queue 1 received and sent all 40 while queue 0 was held");
        assert_eq!(dev.tx_done(3).len(), 40, "transmitq1 = virtqueue 3 carried them");
        assert_eq!(held.queue_stats(0).ipackets, 0);
        drop(held);

        // and queue 0 works on its own thread afterwards, counting only its own traffic
        dev.take(0);
        for i in 0..10 {
            assert!(dev.deliver(0, &frame(0, i)));
        }
        let p0 = parts[0].clone();
        let n0 = std::thread::spawn(move || {
            let mut hs = [0u32; 32];
            let mut g = p0.lock().unwrap();
            let n = g.rx_burst(0, &mut hs);
            g.pool_mut().free_burst(&hs[..n]);
            (n, g.queue_stats(0).ipackets)
        })
        .join()
        .unwrap();
        assert_eq!(n0, (10, 10));
        assert_eq!(parts[1].lock().unwrap().queue_stats(0).ipackets, 40);
        for p in parts.iter().rev() {
            let mut g = p.lock().unwrap();
            g.close();
            g.pool_mut().flush();
        }
        drop(parts);
        assert_eq!(pool.audit(), (0, 0), "missing, duplicated buffers");
    }
}
