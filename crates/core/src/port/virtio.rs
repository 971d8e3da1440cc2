//! virtio port: a `VirtioNet` driver on the core mempool (`PoolDma`), behind the `NativePort`
//! trait. Counters are mirrored into the port's shared block after each burst (absolute values:
//! the driver keeps the totals), so JS reads them without crossing N-API.
//!
//! Locking: per queue. At open the driver is split into one driver per queue pair
//! (virtio/split.rs), each behind its own mutex taken with `try_lock` on the hot path: queues
//! driven from different threads never wait for each other, and a burst that finds another
//! thread inside its own queue (a misuse: one thread per queue) returns 0 instead of blocking.
use super::layout::*;
use super::{NativePort, PortBlock};
use crate::bind::{self, Route};
use crate::error::{Error, Result};
use crate::mempool::Pool;
use crate::pci::Bdf;
use crate::virtio::irq::Irq;
use crate::virtio::pool_dma::PoolDma;
use crate::virtio::{Config, Stats, TransportKind, VirtioNet};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

/// Test-only fault injection, read once at port open: `RINGWAY_TEST_BAD_USED_LEN=BDF=N` makes the
/// first N receive completions of that NIC look longer than the buffer offered (a broken or
/// malicious device), to exercise the used-ring validation end to end. Never set it in production.
pub const ENV_BAD_USED_LEN: &str = "RINGWAY_TEST_BAD_USED_LEN";

pub struct VirtioPort {
    block: Arc<PortBlock>,
    /// the same pool the driver allocates from: validates handles arriving from JS
    pool: Arc<Pool>,
    /// written into META_PORT of every received packet: the low 16 bits of the port's id
    port_id: u16,
    bdf: String,
    route: Route,
    transport: &'static str,
    features: u64,
    /// one driver part per queue pair, each behind its own lock (virtio/split.rs)
    qs: Vec<Mutex<Option<VirtioNet<PoolDma>>>>,
    /// why interrupt mode could not be enabled at open (reported by the first wait)
    irq_err: Option<String>,
    /// per queue: foreign handles refused on TX (counted into oerrors)
    foreign: Vec<AtomicU64>,
    /// per queue: sum of the monotonic RX / TX counters last mirrored into the block, so a burst
    /// that changed nothing (an empty poll) writes nothing
    rx_mirrored: Vec<AtomicU64>,
    tx_mirrored: Vec<AtomicU64>,
}

/// Test-only, read once at port open: `RINGWAY_TEST_VIRTIO_FEATURES_OFF=BDF=0xBITS[,...]` makes the
/// driver leave those feature bits un-negotiated on that NIC even when offered (e.g. 0x8000000,
/// ANY_LAYOUT, to run the split legacy framing against a device that offers it; 0x8000, MRG_RXBUF,
/// to measure its cost). Never set it in production.
pub const ENV_FEATURES_OFF: &str = "RINGWAY_TEST_VIRTIO_FEATURES_OFF";

fn features_off(bdf: &str) -> u64 {
    let Ok(v) = std::env::var(ENV_FEATURES_OFF) else { return 0 };
    v.split(',')
        .filter_map(|kv| kv.rsplit_once('='))
        .find(|(b, _)| b.eq_ignore_ascii_case(bdf) || *b == "*")
        .and_then(|(_, n)| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok())
        .unwrap_or(0)
}

fn injected(bdf: &str) -> u32 {
    let Ok(v) = std::env::var(ENV_BAD_USED_LEN) else { return 0 };
    v.split(',')
        .filter_map(|kv| kv.rsplit_once('='))
        .find(|(b, _)| b.eq_ignore_ascii_case(bdf))
        .and_then(|(_, n)| n.parse().ok())
        .unwrap_or(0)
}

impl VirtioPort {
    /// `transport`: None = modern when offered, else legacy; Some("modern"|"legacy") forces one.
    pub fn open(bdf: &str, transport: Option<&str>, pool: Arc<Pool>, block: Arc<PortBlock>, port_id: u16) -> Result<VirtioPort> {
        let b: Bdf = bdf.parse()?;
        // The route decides how buffers are addressed; it also gives the "run ringway bind" error.
        let route = bind::route(b)?;
        let bufs = PoolDma::new(pool.clone(), route)?;
        let nq = block.n_queues();
        let cfg = Config {
            queue_pairs: nq as u16,
            transport: match transport {
                Some("legacy") => TransportKind::Legacy,
                Some("modern") => TransportKind::Modern,
                _ => TransportKind::Auto,
            },
            features_off: features_off(bdf),
            ..Config::default()
        };
        let mut dev = VirtioNet::open(bdf, &cfg, bufs)?;
        if (dev.queue_pairs() as usize) < nq {
            let have = dev.queue_pairs();
            dev.close();
            return Err(Error::InvalidArgument(format!(
                "port 'virtio:{bdf}': the device gives {have} queue pair(s), {nq} were asked for; open it with queues: {have}"
            )));
        }
        let n = injected(bdf);
        if n > 0 {
            dev.inject_bad_used_len(0, n);
        }
        block.set_mac(dev.mac());
        block.set_link(dev.link_up(), 0);
        // interrupts for the whole device before the split (vectors are bound once for all queues)
        let irq_err = dev.enable_irq().err().map(|e| e.to_string());
        let (transport, features) = (dev.transport_name(), dev.features());
        let parts = dev.split(|b| b.fork())?;
        Ok(VirtioPort {
            block,
            pool,
            port_id,
            bdf: bdf.to_string(),
            route,
            transport,
            features,
            qs: parts.into_iter().map(|d| Mutex::new(Some(d))).collect(),
            irq_err,
            foreign: (0..nq).map(|_| AtomicU64::new(0)).collect(),
            rx_mirrored: (0..nq).map(|_| AtomicU64::new(0)).collect(),
            tx_mirrored: (0..nq).map(|_| AtomicU64::new(0)).collect(),
        })
    }

    pub fn bdf(&self) -> &str {
        &self.bdf
    }
    pub fn route(&self) -> Route {
        self.route
    }
    pub fn transport(&self) -> &'static str {
        self.transport
    }
    pub fn features(&self) -> u64 {
        self.features
    }

    /// Driver totals (including `bad_used`), summed over queues; None once closed.
    pub fn driver_stats(&self) -> Option<Stats> {
        let mut s = Stats::default();
        for m in &self.qs {
            let g = m.lock().unwrap_or_else(|e| e.into_inner());
            s += g.as_ref()?.stats();
        }
        Some(s)
    }

    /// Ok while the device behaves; the ERR_RINGWAY_DEVICE error (naming the PCI address and
    /// the fix: close and reopen the port) once the driver stopped a broken device. Ok once closed.
    pub fn health(&self) -> Result<()> {
        for m in &self.qs {
            let g = m.lock().unwrap_or_else(|e| e.into_inner());
            g.as_ref().map_or(Ok(()), |d| d.health())?;
        }
        Ok(())
    }

    /// Re-reads the link state (§5.1.4 status) into the block.
    pub fn refresh_link(&self) -> Option<bool> {
        let g = self.qs.first()?.lock().ok()?;
        let up = g.as_ref()?.link_up();
        self.block.set_link(up, 0);
        Some(up)
    }

    /// Mirrors queue q's RX counters when any changed since the last mirror. Every field only
    /// grows and ibytes only with ipackets (imissed stays 0), so their sum changes exactly when
    /// a field does. Relaxed: only this queue's thread writes them (the port contract).
    fn mirror_rx(&self, q: u16, s: &Stats) {
        let key = s.ipackets + s.ierrors + s.rx_nombuf;
        let last = &self.rx_mirrored[q as usize];
        if key == last.load(Relaxed) {
            return;
        }
        last.store(key, Relaxed);
        let b = &self.block;
        b.set(q, PORT_Q_IPACKETS, s.ipackets);
        b.set(q, PORT_Q_IBYTES, s.ibytes);
        b.set(q, PORT_Q_IERRORS, s.ierrors);
        b.set(q, PORT_Q_IMISSED, s.imissed);
        b.set(q, PORT_Q_RX_NOMBUF, s.rx_nombuf);
    }

    /// As mirror_rx, for TX (oerrors includes the foreign handles refused).
    fn mirror_tx(&self, q: u16, s: &Stats) {
        let key = s.opackets + s.oerrors;
        let last = &self.tx_mirrored[q as usize];
        if key == last.load(Relaxed) {
            return;
        }
        last.store(key, Relaxed);
        let b = &self.block;
        b.set(q, PORT_Q_OPACKETS, s.opackets);
        b.set(q, PORT_Q_OBYTES, s.obytes);
        b.set(q, PORT_Q_OERRORS, s.oerrors);
    }
}

/// Interrupt mode (virtio/irq.rs): sleep until one of `queues` (port, RX queue) has received
/// something, an interrupt came, or `timeout_ms` passed (-1: no limit). Every queue is armed
/// (notifications on, ring re-checked) under its port's lock, the sleep holds no lock, and every
/// queue is disarmed afterwards. Returns how many of the queues have packets waiting. Errors
/// name the port (no interrupt support on its route, a closed port).
pub fn wait_rx(queues: &[(&VirtioPort, u16)], timeout_ms: i32) -> Result<usize> {
    let mut fds = [0i32; 64];
    let mut irqs: [Option<Arc<Irq>>; 64] = std::array::from_fn(|_| None);
    if queues.len() > fds.len() {
        return Err(Error::InvalidArgument(format!("wait on {} queues: at most {}", queues.len(), fds.len())));
    }
    let mut armed = 0;
    let mut ready = false;
    for (k, (p, q)) in queues.iter().enumerate() {
        let m = p.qs.get(*q as usize).ok_or_else(|| Error::InvalidArgument(format!("port virtio:{}: no RX queue {q}", p.bdf)))?;
        let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
        let d = g.as_mut().ok_or_else(|| Error::Closed(format!("port virtio:{}", p.bdf)))?;
        let i = d.irq().cloned().ok_or_else(|| match &p.irq_err {
            Some(e) => Error::Unsupported(format!("port virtio:{}: no interrupt mode: {e}", p.bdf)),
            None => Error::Unsupported(format!("port virtio:{}: no interrupt mode", p.bdf)),
        })?;
        fds[k] = i.fd(d.pair_index(0));
        irqs[k] = Some(i);
        armed = k + 1;
        if !d.irq_arm(0) {
            ready = true;
            break;
        }
    }
    let woke = if ready { 0 } else { crate::virtio::irq::poll_fds(&fds[..armed], timeout_ms)? };
    let mut n = 0;
    for (k, (p, q)) in queues.iter().enumerate().take(armed) {
        if !ready {
            if let Some(i) = &irqs[k] {
                crate::virtio::irq::count_sleep(i, woke > 0);
            }
        }
        let mut g = p.qs[*q as usize].lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = g.as_mut() {
            d.irq_finish(0);
            n += d.rx_pending(0) as usize;
        }
    }
    // queues after the one found ready were never armed: count their waiting packets too
    for (p, q) in queues.iter().skip(armed) {
        let Some(m) = p.qs.get(*q as usize) else { continue };
        let g = m.lock().unwrap_or_else(|e| e.into_inner());
        n += g.as_ref().is_some_and(|d| d.rx_pending(0)) as usize;
    }
    Ok(n)
}

/// Interrupt facts of a port: (kind "intx"|"msix"|"off", sleeps, wake-ups by interrupt).
impl VirtioPort {
    pub fn irq_stats(&self) -> (&'static str, u64, u64) {
        let Some(m) = self.qs.first() else { return ("off", 0, 0) };
        let g = m.lock().unwrap_or_else(|e| e.into_inner());
        match g.as_ref().and_then(|d| d.irq()) {
            Some(i) => (i.kind(), i.sleeps.load(Relaxed), i.wakeups.load(Relaxed)),
            None => ("off", 0, 0),
        }
    }
}

/// Handles per chunk when filtering foreign handles out of a TX burst (stack array, no allocation).
const CHUNK: usize = 256;

/// Sends the valid handles of `pkts` in order through `send` (which returns how many it accepted)
/// and skips foreign ones. Returns (handles of `pkts` consumed, foreign handles among them): when
/// `send` accepts fewer than offered, the caller keeps everything from the first unsent valid
/// handle on, DPDK-style; foreign handles before that point count as consumed.
fn send_valid(pkts: &[u32], valid: impl Fn(u32) -> bool, mut send: impl FnMut(&[u32]) -> usize) -> (usize, u64) {
    let (mut done, mut foreign) = (0, 0u64);
    let mut ok = [0u32; CHUNK];
    while done < pkts.len() {
        let (mut n, mut i, mut f) = (0, done, 0u64);
        while i < pkts.len() && n < CHUNK {
            if valid(pkts[i]) {
                ok[n] = pkts[i];
                n += 1;
            } else {
                f += 1;
            }
            i += 1;
        }
        let sent = if n > 0 { send(&ok[..n]) } else { 0 };
        if sent < n {
            let (mut seen, mut f) = (0, 0u64);
            for (k, &h) in pkts.iter().enumerate().take(i).skip(done) {
                if valid(h) {
                    if seen == sent {
                        done = k;
                        break;
                    }
                    seen += 1;
                } else {
                    f += 1;
                }
            }
            return (done, foreign + f);
        }
        foreign += f;
        done = i;
    }
    (done, foreign)
}

impl NativePort for VirtioPort {
    fn rx_burst(&self, q: u16, out: &mut [u32]) -> usize {
        let Some(m) = self.qs.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(dev) = g.as_mut() else { return 0 };
        // this queue's own driver part: its pair is its queue 0
        let n = dev.rx_burst(0, out);
        for &h in &out[..n] {
            self.pool.set_rx_meta(h, self.port_id, q);
        }
        self.mirror_rx(q, dev.rx_stats(0));
        if n == 0 && dev.is_dead() {
            // the driver stopped a broken device: JS sees the link down without a crossing
            self.block.set_link(false, 0);
        }
        n
    }

    fn tx_burst(&self, q: u16, pkts: &[u32]) -> usize {
        let Some(m) = self.qs.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(dev) = g.as_mut() else { return 0 };
        // Handles come from JS: a foreign one must never reach the driver (it would panic in
        // DmaBuffers::virt). Count it as an output error and consume it, as pcap ports do.
        let (done, foreign) = send_valid(pkts, |h| self.pool.valid(h), |ok| dev.tx_burst(0, ok));
        let mut s = *dev.tx_stats(0);
        if foreign > 0 {
            // Relaxed: only this queue's thread writes it (the port contract).
            let c = &self.foreign[q as usize];
            c.store(c.load(Relaxed) + foreign, Relaxed);
        }
        s.oerrors += self.foreign[q as usize].load(Relaxed);
        self.mirror_tx(q, &s);
        if done == 0 && dev.is_dead() {
            self.block.set_link(false, 0);
        }
        done
    }

    fn close(&self) -> Result<()> {
        let parts: Vec<_> = self.qs.iter().map(|m| m.lock().map(|mut g| g.take()).unwrap_or_else(|e| e.into_inner().take())).collect();
        let mut any = false;
        // part 0 (the control queue, the watchdog) last; every part's close resets the device
        // first (§2.4: it stops DMA), then its posted buffers come back
        for mut d in parts.into_iter().rev().flatten() {
            d.close();
            d.pool_mut().flush();
            any = true;
        }
        if any {
            self.block.set_link(false, 0);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::send_valid;

    #[test]
    fn foreign_handles_are_skipped_and_partial_sends_leave_the_rest_to_the_caller() {
        let valid = |h: u32| h < 1000;
        let mut got = Vec::new();
        // all accepted: foreign ones counted, order kept
        let r = send_valid(&[1, 5000, 2, 3, 7000], valid, |ok| {
            got.extend_from_slice(ok);
            ok.len()
        });
        assert_eq!(r, (5, 2));
        assert_eq!(got, [1, 2, 3]);
        // ring takes 2 of 3 valid ones: consumed up to (not including) the unsent valid handle 3
        got.clear();
        let r = send_valid(&[1, 5000, 2, 6000, 3, 4], valid, |ok| {
            got.extend_from_slice(&ok[..2]);
            2
        });
        assert_eq!(r, (4, 2), "1, 5000, 2, 6000 consumed; 3 and 4 stay the caller's");
        // ring full from the start
        assert_eq!(send_valid(&[9000, 1, 2], valid, |_| 0), (1, 1));
        // only foreign handles: all consumed, nothing sent
        assert_eq!(send_valid(&[9000, 9001], valid, |_| panic!("nothing valid to send")), (2, 2));
        // more than one chunk
        let many: Vec<u32> = (0..600).map(|i| if i % 3 == 0 { 5000 } else { i % 1000 }).collect();
        let mut sent = 0;
        assert_eq!(
            send_valid(&many, valid, |ok| {
                sent += ok.len();
                ok.len()
            }),
            (600, 200)
        );
        assert_eq!(sent, 400);
    }
}
