//! virtio-net device driver (virtio 1.2 §5.1) over a PCI transport, polled, one descriptor
//! per packet with the virtio_net_hdr in the buffer headroom.
//!
//! Trade-offs: one pool buffer per packet; MRG_RXBUF is negotiated only so that a frame larger
//! than the buffer is seen, dropped whole and counted (`mergeable.rs`; jumbo frames need a pool
//! with a larger data room); legacy devices get the header in its own descriptor unless they
//! offer ANY_LAYOUT (`framing.rs`); EVENT_IDX when offered (virtio 1.2
//! §2.7.7 / §2.7.10: kicks only when avail_event asks, used_event held behind so a polled
//! queue never interrupts; with QEMU it also saves a used->flags rewrite per received packet);
//! no offloads (the header we send is all zero, the one we get is ignored).
use super::buffers::DmaBuffers;
use super::framing::{Framing, Seg};
use super::mergeable::{RxMerge, Verdict, NUM_BUFFERS_OFF};
use super::spec::{feature::*, net as n, netcfg, status};
use super::transport_legacy::Legacy;
use super::transport_modern::Modern;
use super::virtqueue::{Used, Virtqueue};
use super::Transport;
use crate::bind::{dma, Device, Route};
use crate::error::{Error, Result};
use crate::pci::{sysfs, Bdf};

const BURST: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportKind {
    /// modern when the device has virtio 1.x capabilities, else legacy
    Auto,
    Modern,
    Legacy,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Queue pairs wanted; clamped to what the device offers (1 without MQ).
    pub queue_pairs: u16,
    /// Ring size wanted (modern devices may be given less than their maximum; 0 = maximum).
    pub ring_size: u16,
    /// Some(on/off): set promiscuous mode through the control queue (needs CTRL_RX).
    pub promisc: Option<bool>,
    pub transport: TransportKind,
    /// Negotiate VIRTIO_F_EVENT_IDX when offered (virtio 1.2 §2.7.7, §2.7.10; default on).
    pub event_idx: bool,
    /// Feature bits never to negotiate even when offered (tests and A/B measurements, e.g.
    /// ANY_LAYOUT to exercise the split legacy framing, MRG_RXBUF to measure its cost; default 0).
    pub features_off: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config { queue_pairs: 1, ring_size: 256, promisc: Some(true), transport: TransportKind::Auto, event_idx: true, features_off: 0 }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub ipackets: u64,
    pub opackets: u64,
    pub ibytes: u64,
    pub obytes: u64,
    /// received frames dropped: bad used entries, frames shorter than the header
    pub ierrors: u64,
    /// packets handed to tx_burst that could not be sent (bad data_off/len): freed, not sent
    pub oerrors: u64,
    /// frames the device dropped; virtio reports none, so this stays 0
    pub imissed: u64,
    /// RX refills that found the buffer pool empty
    pub rx_nombuf: u64,
    /// used-ring entries rejected (id or length out of range)
    pub bad_used: u64,
    /// used->idx moved by more than the buffers the device held (backwards included): the
    /// device was reset and the port stopped (`VirtioNet::health`)
    pub bad_idx: u64,
    /// TX bursts refused whole because the device held every descriptor (it completes nothing)
    pub tx_full: u64,
    /// received frames larger than a pool buffer (MRG_RXBUF num_buffers > 1): dropped whole,
    /// counted here and in ierrors
    pub rx_oversize: u64,
}

impl std::ops::AddAssign for Stats {
    fn add_assign(&mut self, o: Stats) {
        self.ipackets += o.ipackets;
        self.opackets += o.opackets;
        self.ibytes += o.ibytes;
        self.obytes += o.obytes;
        self.ierrors += o.ierrors;
        self.oerrors += o.oerrors;
        self.imissed += o.imissed;
        self.rx_nombuf += o.rx_nombuf;
        self.bad_used += o.bad_used;
        self.bad_idx += o.bad_idx;
        self.tx_full += o.tx_full;
        self.rx_oversize += o.rx_oversize;
    }
}

pub(super) struct Queue {
    pub(super) vq: Virtqueue,
    stats: Stats,
    /// RX: buffers still to drop of an oversize frame (mergeable.rs)
    merge: RxMerge,
}

pub struct VirtioNet<B: DmaBuffers> {
    pub(super) bdf: Bdf,
    pub(super) bufs: B,
    pub(super) rx: Vec<Queue>,
    pub(super) tx: Vec<Queue>,
    pub(super) ctrl: Option<Virtqueue>,
    pub(super) features: u64,
    pub(super) hdr_len: usize,
    /// descriptor layout of a packet (framing.rs)
    pub(super) framing: Framing,
    pub(super) mac: [u8; 6],
    /// owned until `split` shares it between the per-queue parts (virtio/split.rs)
    pub(super) transport: super::split::Tp,
    /// shared by the per-queue parts after `split`; the last one dropped closes the binding
    pub(super) dev: Option<std::sync::Arc<Device>>,
    /// Set when a queue broke (see `fail`): every burst returns 0 from then on.
    pub(super) dead: Option<String>,
    /// Interrupt mode, once asked for (virtio/irq.rs); None while the port only polls.
    pub(super) irq: Option<std::sync::Arc<super::irq::Irq>>,
    pub(super) closed: bool,
    /// uio: the process that stops the device if we die without closing it (bind/watchdog.rs)
    pub(super) watchdog: Option<crate::bind::watchdog::Watchdog>,
}

fn boxed(t: impl Transport + 'static) -> Box<dyn Transport> {
    Box::new(t)
}

impl<B: DmaBuffers> VirtioNet<B> {
    /// Open the virtio-net function at `bdf` (already bound to vfio-pci or uio_pci_generic),
    /// initialize it (§3.1.1) and fill its receive rings from `bufs`.
    pub fn open(bdf: &str, cfg: &Config, bufs: B) -> Result<VirtioNet<B>> {
        let bdf: Bdf = bdf.parse()?;
        let id = sysfs::ident(bdf)?;
        // §4.1.2: vendor 0x1af4, device 0x1041 (modern) or transitional 0x1000 (network).
        if id.vendor != super::spec::pci::VENDOR
            || !(id.device == super::spec::pci::DEV_NET_MODERN || id.device == super::spec::pci::DEV_NET_LEGACY)
        {
            return Err(Error::Unsupported(format!("{bdf} is not a virtio-net device ({:04x}:{:04x})", id.vendor, id.device)));
        }
        if (bufs.rx_data_off() as usize) < n::HDR_LEN_V1 + 4 || bufs.rx_data_off() as usize >= bufs.buf_len() {
            return Err(Error::InvalidArgument("buffer pool: rx_data_off leaves no room for the virtio-net header".into()));
        }
        let dev = Device::open(bdf)?;
        dev.config.enable_bus_master()?;
        let transport = match cfg.transport {
            TransportKind::Legacy => boxed(Legacy::probe(&dev)?),
            TransportKind::Modern => {
                boxed(Modern::probe(&dev)?.ok_or_else(|| Error::Unsupported(format!("{bdf}: no virtio 1.x capabilities")))?)
            }
            TransportKind::Auto => match Modern::probe(&dev)? {
                Some(m) => boxed(m),
                None => boxed(Legacy::probe(&dev)?),
            },
        };
        let mut me = Self::start(bdf, transport, Some(std::sync::Arc::new(dev)), cfg, bufs)?;
        if me.route() == Some(Route::Uio) {
            // uio's release does not stop the device: a watchdog does, if we die (watchdog.rs).
            let cmd = me.dev.as_ref().map(|d| d.config.command_reg());
            let spawned = match (cmd, me.transport.status_reg()) {
                (Some(c), Some(s)) => crate::bind::watchdog::Watchdog::spawn(c, s).map(Some),
                _ => Ok(None),
            };
            match spawned {
                Ok(w) => me.watchdog = w,
                Err(e) => {
                    me.close();
                    return Err(Error::Device(format!(
                        "{}: cannot start the uio watchdog that resets the device if this process dies ({e}); \
                         bind it to vfio-pci instead, whose release path resets it",
                        me.bdf
                    )));
                }
            }
        }
        Ok(me)
    }

    /// The uio watchdog's pid (tests).
    #[doc(hidden)]
    pub fn watchdog_pid(&self) -> Option<i32> {
        self.watchdog.as_ref().map(|w| w.pid())
    }

    /// Drive a device through any `Transport` (no PCI function needed): the test double of
    /// `virtio::testdev` uses it. `dev` holds the PCI binding when there is one.
    #[doc(hidden)]
    pub fn with_transport(bdf: Bdf, transport: Box<dyn Transport>, cfg: &Config, bufs: B) -> Result<VirtioNet<B>> {
        Self::start(bdf, transport, None, cfg, bufs)
    }

    fn start(bdf: Bdf, transport: Box<dyn Transport>, dev: Option<std::sync::Arc<Device>>, cfg: &Config, bufs: B) -> Result<VirtioNet<B>> {
        let mut me = VirtioNet {
            bdf,
            bufs,
            rx: Vec::new(),
            tx: Vec::new(),
            ctrl: None,
            features: 0,
            hdr_len: 0,
            framing: Framing::Any,
            mac: [0; 6],
            transport: super::split::Tp::Own(transport),
            dev,
            dead: None,
            irq: None,
            closed: false,
            watchdog: None,
        };
        if let Err(e) = me.init(cfg) {
            // §3.1.1 step 8 spirit: tell the device we gave up, then leave it reset.
            let _ = me.transport.set_status(status::FAILED);
            me.close();
            return Err(e);
        }
        Ok(me)
    }

    fn init(&mut self, cfg: &Config) -> Result<()> {
        let t = &mut self.transport;
        let legacy = t.is_legacy();
        // §3.1.1 Driver Requirements: Device Initialization, steps 1-3.
        t.reset()?;
        t.set_status(status::ACKNOWLEDGE)?;
        t.set_status(status::ACKNOWLEDGE | status::DRIVER)?;
        // Step 4: negotiate. §5.1.3 feature bits; §6 ACCESS_PLATFORM must be accepted when
        // offered (the device then DMAs through the IOMMU, which is what vfio sets up).
        let offered = t.device_features()?;
        let mut want = NET_MAC | NET_STATUS | NET_CTRL_VQ | NET_CTRL_RX | NET_MQ;
        if cfg.event_idx {
            // virtio 1.2 §6 / §2.7.7 / §2.7.10: event indexes instead of the ring flags. The
            // device then publishes in avail_event how far it has read, and kicks are sent
            // only when it asks for one; for QEMU's virtio-net it also means one ring access
            // less per received packet (it no longer rewrites used->flags per packet).
            want |= RING_EVENT_IDX;
        }
        // virtio 1.2 §5.1.6.3 / §5.1.6.4: with MRG_RXBUF a frame larger than one buffer is
        // spread over several (num_buffers) instead of being dropped unseen: we count it (mergeable.rs).
        want |= NET_MRG_RXBUF;
        if legacy {
            // §2.7.4.3 Legacy Interface: Message Framing: without ANY_LAYOUT the header needs a
            // descriptor of its own (framing.rs); with it, header and packet share one.
            want |= ANY_LAYOUT;
        }
        want &= !cfg.features_off;
        if !legacy {
            if offered & VERSION_1 == 0 {
                return Err(Error::Unsupported(format!("{}: device does not offer VIRTIO_F_VERSION_1", self.bdf)));
            }
            want |= VERSION_1 | ACCESS_PLATFORM;
        }
        let mut f = offered & want;
        // MQ and CTRL_RX need the control queue (§5.1.3.1).
        if f & NET_CTRL_VQ == 0 {
            f &= !(NET_MQ | NET_CTRL_RX);
        }
        t.set_driver_features(f)?;
        self.features = f;
        if !legacy {
            // Steps 5-6: FEATURES_OK, and re-read it: the device may refuse our subset.
            t.set_status(status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK)?;
            if t.status()? & status::FEATURES_OK == 0 {
                return Err(Error::Device(format!("{}: device refused features {f:#x}", self.bdf)));
            }
        }
        // §5.1.6.1: the header carries num_buffers once VERSION_1 or MRG_RXBUF is negotiated.
        self.hdr_len = if f & (VERSION_1 | NET_MRG_RXBUF) != 0 { n::HDR_LEN_V1 } else { n::HDR_LEN_LEGACY };
        self.framing = Framing::from_features(f);
        self.mac = self.read_mac()?;

        // Step 7: queues. §5.1.2: receiveqN = 2N, transmitqN = 2N+1, controlq after the last pair.
        let max_pairs = if f & NET_MQ != 0 { self.config16(netcfg::MAX_VQ_PAIRS)?.clamp(1, n::VQ_PAIRS_MAX) } else { 1 };
        let pairs = cfg.queue_pairs.clamp(1, max_pairs);
        for q in 0..2 * pairs {
            let vq = self.make_queue(q, cfg.ring_size, 0)?;
            let qq = Queue { vq, stats: Stats::default(), merge: RxMerge::default() };
            if q % 2 == 0 {
                self.rx.push(qq);
            } else {
                self.tx.push(qq);
            }
        }
        if f & NET_CTRL_VQ != 0 {
            self.ctrl = Some(self.make_queue(2 * max_pairs, 64, 64)?);
        }
        // Step 8: DRIVER_OK; from here the device may use the queues.
        let t = &self.transport;
        let s = if legacy {
            status::ACKNOWLEDGE | status::DRIVER | status::DRIVER_OK
        } else {
            status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK
        };
        t.set_status(s)?;
        if t.status()? & (status::DEVICE_NEEDS_RESET | status::FAILED) != 0 {
            return Err(Error::Device(format!("{}: device failed during initialization", self.bdf)));
        }
        // §5.1.5: with MQ negotiated the device starts with one pair until told otherwise.
        if pairs > 1 {
            self.ctrl_cmd(n::CTRL_MQ, n::CTRL_MQ_VQ_PAIRS_SET, &pairs.to_le_bytes())?;
        }
        if let Some(on) = cfg.promisc {
            self.set_promisc(on)?;
        }
        // A pool whose IOVAs are unknown (e.g. pagemap unreadable: not root) would make the
        // device DMA to address 0: refuse it here rather than corrupt memory later.
        let mut h = [0u32; 1];
        if self.bufs.alloc_burst(&mut h) == 1 {
            let iova = self.bufs.iova(h[0]);
            self.bufs.free_burst(&h);
            if iova == 0 {
                return Err(Error::Device(format!(
                    "{}: buffer pool has no device address (physical addresses need root and pinned memory)",
                    self.bdf
                )));
            }
        }
        // §5.1.6.3 Setting Up Receive Buffers: fill every receive ring before traffic starts.
        for q in 0..self.rx.len() {
            self.refill(q);
        }
        Ok(())
    }

    fn make_queue(&mut self, q: u16, want: u16, scratch: usize) -> Result<Virtqueue> {
        let t = &mut self.transport;
        let max = t.queue_max(q)?;
        if max == 0 {
            return Err(Error::Device(format!("{}: queue {q} does not exist", self.bdf)));
        }
        // Legacy devices dictate the size; modern ones accept any power of two up to max.
        let size = if t.is_legacy() || want == 0 || want >= max {
            max
        } else {
            (want.next_power_of_two() >> (!want.is_power_of_two()) as u16).max(2)
        };
        let mut vq = Virtqueue::new(q, size, scratch)?;
        vq.set_event_idx(self.features & RING_EVENT_IDX != 0);
        if dma::mode() == Some(dma::IovaMode::Phys) {
            vq.check_contiguous(t.is_legacy())?;
        }
        t.setup_queue(q, size, vq.desc_iova(), vq.avail_iova(), vq.used_iova())?;
        Ok(vq)
    }

    fn config16(&self, off: usize) -> Result<u16> {
        let mut b = [0u8; 2];
        self.config_bytes(off, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    /// §2.5.1 / §4.1.4.3: re-read multi-byte config until the generation is stable.
    fn config_bytes(&self, off: usize, out: &mut [u8]) -> Result<()> {
        for _ in 0..100 {
            let g = self.transport.config_generation()?;
            for (i, b) in out.iter_mut().enumerate() {
                *b = self.transport.config8(off + i)?;
            }
            if self.transport.config_generation()? == g {
                return Ok(());
            }
        }
        Err(Error::Device(format!("{}: device config kept changing while read", self.bdf)))
    }

    fn read_mac(&self) -> Result<[u8; 6]> {
        let mut m = [0u8; 6];
        // §5.1.4: mac is valid only with VIRTIO_NET_F_MAC. Without it a driver picks one;
        // we report zeros and leave the device's filter alone (it is the caller's to set).
        if self.features & NET_MAC != 0 {
            self.config_bytes(netcfg::MAC, &mut m)?;
        }
        Ok(m)
    }

    pub fn mac(&self) -> [u8; 6] {
        self.mac
    }

    pub fn features(&self) -> u64 {
        self.features
    }

    pub fn transport_name(&self) -> &'static str {
        self.transport.name()
    }

    pub fn route(&self) -> Option<Route> {
        self.dev.as_ref().map(|d| d.route)
    }

    pub fn queue_pairs(&self) -> u16 {
        self.rx.len() as u16
    }

    /// §5.1.4: link state from `status` when VIRTIO_NET_F_STATUS was negotiated; without
    /// it the spec says to assume the link is up.
    pub fn link_up(&self) -> bool {
        if self.dead.is_some() || self.closed {
            return false;
        }
        if self.features & NET_STATUS == 0 {
            return true;
        }
        self.config16(netcfg::STATUS).map(|s| s & netcfg::S_LINK_UP != 0).unwrap_or(false)
    }

    /// §5.1.6.5.1: promiscuous mode through the control queue.
    pub fn set_promisc(&mut self, on: bool) -> Result<()> {
        if self.features & NET_CTRL_RX == 0 {
            return Err(Error::Unsupported(format!("{}: device has no VIRTIO_NET_F_CTRL_RX", self.bdf)));
        }
        self.ctrl_cmd(n::CTRL_RX, n::CTRL_RX_PROMISC, &[on as u8])
    }

    /// §5.1.6.5: { u8 class; u8 command; data; u8 ack (device-writable) }: two descriptors, or
    /// three for a legacy device without ANY_LAYOUT (framing.rs).
    /// Synchronous: polls for the completion for at most one second.
    fn ctrl_cmd(&mut self, class: u8, cmd: u8, data: &[u8]) -> Result<()> {
        let q = self.ctrl.as_mut().ok_or_else(|| Error::Unsupported("no control queue".into()))?;
        assert!(data.len() <= 32);
        let (off, iova) = q.scratch();
        let mem = q.mem();
        mem.write::<u8>(off, class);
        mem.write::<u8>(off + 1, cmd);
        for (i, &b) in data.iter().enumerate() {
            mem.write::<u8>(off + 2 + i, b);
        }
        let ack_off = off + 48;
        mem.write::<u8>(ack_off, 0xff);
        let mut segs: [Seg; 3] = [(0, 0, false); 3];
        let ns = self.framing.control(iova, data.len() as u32, iova + 48, &mut segs);
        if !q.push(0, &segs[..ns]) {
            return Err(Error::Device("control queue full".into()));
        }
        if q.publish() {
            self.transport.notify(q.index)?;
        }
        for _ in 0..1000 {
            match q.pop() {
                None => std::thread::sleep(std::time::Duration::from_millis(1)),
                Some(Used::Ok { len: 1, .. }) => {
                    let ack = q.mem().read::<u8>(ack_off);
                    return match ack {
                        n::CTRL_OK => Ok(()),
                        _ => Err(Error::Device(format!("{}: control command {class}/{cmd} refused ({ack})", self.bdf))),
                    };
                }
                Some(u) => return Err(Error::Device(format!("{}: bad control completion {u:?}", self.bdf))),
            }
        }
        Err(Error::Device(format!("{}: control command {class}/{cmd} timed out", self.bdf)))
    }

    /// Post fresh buffers on RX queue `q` up to its size (§5.1.6.3), then kick if wanted.
    fn refill(&mut self, q: usize) {
        let rq = &mut self.rx[q];
        let hdr = self.hdr_len;
        let data_off = self.bufs.rx_data_off() as usize;
        let room = (self.bufs.buf_len() - data_off) as u32;
        let per = self.framing.descs();
        let mut segs: [Seg; 2] = [(0, 0, false); 2];
        let mut posted = false;
        while rq.vq.free_slots() >= per {
            let mut hs = [0u32; BURST];
            let want = (rq.vq.free_slots() / per).min(BURST);
            let got = self.bufs.alloc_burst(&mut hs[..want]);
            if got == 0 {
                rq.stats.rx_nombuf += 1;
                break;
            }
            for &h in &hs[..got] {
                // The device writes the header right before where the packet data will start
                // (in the same descriptor, or in one of its own: framing.rs).
                let ns = self.framing.packet(self.bufs.iova(h) + (data_off - hdr) as u64, hdr as u32, room, true, &mut segs);
                let ok = rq.vq.push(h, &segs[..ns]);
                debug_assert!(ok);
            }
            posted = true;
            if got < want {
                rq.stats.rx_nombuf += 1;
                break;
            }
        }
        if posted && rq.vq.publish() {
            let _ = self.transport.notify(rq.vq.index);
        }
    }

    /// Receive up to `out.len()` packets from queue `q`; their handles are the caller's now,
    /// with data_off/data_len set to the frame (header stripped). Refills the ring.
    pub fn rx_burst(&mut self, q: u16, out: &mut [u32]) -> usize {
        let q = q as usize;
        if q >= self.rx.len() || self.dead.is_some() {
            return 0;
        }
        let hdr = self.hdr_len;
        let data_off = self.bufs.rx_data_off();
        let mrg = self.features & NET_MRG_RXBUF != 0;
        let mut got = 0;
        let mut bad = [0u32; BURST];
        let mut nbad = 0;
        {
            let rq = &mut self.rx[q];
            while got < out.len() && nbad < BURST {
                match rq.vq.pop() {
                    None => break,
                    Some(Used::Ok { handle, len }) if len as usize >= hdr || rq.merge.pending() > 0 => {
                        let nb = if mrg {
                            let at = data_off as usize - hdr + NUM_BUFFERS_OFF;
                            // SAFETY: the header lies in the buffer's headroom (rx_data_off >= hdr
                            // is checked at open) and the device is done with this buffer.
                            Some(u16::from_le(unsafe { std::ptr::read_unaligned(self.bufs.virt(handle).add(at) as *const u16) }))
                        } else {
                            None
                        };
                        match rq.merge.classify(nb, rq.vq.size()) {
                            Verdict::Deliver => {}
                            v => {
                                match v {
                                    Verdict::Oversize => {
                                        rq.stats.rx_oversize += 1;
                                        rq.stats.ierrors += 1;
                                    }
                                    Verdict::Bad => {
                                        rq.vq.bad_used += 1;
                                        rq.stats.ierrors += 1;
                                    }
                                    _ => {}
                                }
                                bad[nbad] = handle;
                                nbad += 1;
                                continue;
                            }
                        }
                        let l = len as usize - hdr;
                        self.bufs.set_data(handle, data_off, l as u16);
                        rq.stats.ipackets += 1;
                        rq.stats.ibytes += l as u64;
                        out[got] = handle;
                        got += 1;
                    }
                    Some(Used::Ok { handle, .. }) | Some(Used::BadLen { handle }) => {
                        if rq.merge.classify(None, 0) != Verdict::Rest {
                            rq.stats.ierrors += 1;
                        }
                        bad[nbad] = handle;
                        nbad += 1;
                    }
                    Some(Used::BadId) => rq.stats.ierrors += 1,
                }
            }
        }
        if nbad > 0 {
            self.bufs.free_burst(&bad[..nbad]);
        }
        if self.rx[q].vq.broken().is_some() {
            // what this burst received before the break is good (validated) and the caller's
            self.fail();
            return got;
        }
        if got + nbad > 0 {
            self.rx[q].vq.hold_used_event();
        }
        if self.rx[q].vq.free_slots() >= BURST.min(self.rx[q].vq.size() as usize / 2) || got == 0 {
            self.refill(q);
        }
        got
    }

    /// Free transmitted buffers of queue `q` back to the pool.
    fn reclaim(&mut self, q: usize) {
        let tq = &mut self.tx[q];
        let mut done = [0u32; BURST];
        let mut any = false;
        loop {
            let mut nd = 0;
            while nd < BURST {
                match tq.vq.pop() {
                    None => break,
                    // TX descriptors are device-readable only, so any len > 0 was already
                    // rejected as BadLen; either way the buffer is ours again.
                    Some(Used::Ok { handle, .. }) | Some(Used::BadLen { handle }) => {
                        done[nd] = handle;
                        nd += 1;
                    }
                    Some(Used::BadId) => {}
                }
            }
            if nd == 0 {
                break;
            }
            any = true;
            self.bufs.free_burst(&done[..nd]);
        }
        if any {
            tq.vq.hold_used_event();
        }
        if tq.vq.broken().is_some() {
            self.fail();
        }
    }

    /// Queue packets for transmission on queue `q`. Returns how many were accepted; the
    /// handles past that count remain the caller's (DPDK semantics). Accepted handles belong
    /// to the driver and return to the pool once the device is done with them.
    pub fn tx_burst(&mut self, q: u16, pkts: &[u32]) -> usize {
        let q = q as usize;
        if q >= self.tx.len() || self.dead.is_some() {
            return 0;
        }
        self.reclaim(q);
        if self.dead.is_some() {
            return 0;
        }
        let hdr = self.hdr_len;
        let tq = &mut self.tx[q];
        let per = self.framing.descs();
        let n = pkts.len().min(tq.vq.free_slots() / per);
        if n == 0 && !pkts.is_empty() {
            tq.stats.tx_full += 1;
        }
        let mut drop = [0u32; BURST];
        let mut ndrop = 0;
        for &h in &pkts[..n] {
            let (off, len) = (self.bufs.data_off(h) as usize, self.bufs.data_len(h) as usize);
            if off < super::buffers::META_LEN as usize + hdr || off + len > self.bufs.buf_len() || len == 0 {
                // Malformed metadata: count and drop rather than send garbage or overwrite metadata.
                tq.stats.oerrors += 1;
                if ndrop < BURST {
                    drop[ndrop] = h;
                    ndrop += 1;
                } else {
                    self.bufs.free_burst(&[h]);
                }
                continue;
            }
            // §5.1.6.1: header all zero = no offloads, no GSO; num_buffers is ignored on TX.
            // SAFETY: [off - hdr, off) is inside the buffer (checked above) and the handle is
            // the caller's, so nobody else touches this memory.
            unsafe { std::ptr::write_bytes(self.bufs.virt(h).add(off - hdr), 0, hdr) };
            let mut segs: [Seg; 2] = [(0, 0, false); 2];
            let ns = self.framing.packet(self.bufs.iova(h) + (off - hdr) as u64, hdr as u32, len as u32, false, &mut segs);
            let ok = tq.vq.push(h, &segs[..ns]);
            debug_assert!(ok);
            tq.stats.opackets += 1;
            tq.stats.obytes += len as u64;
        }
        if n > ndrop && tq.vq.publish() {
            let _ = self.transport.notify(tq.vq.index);
        }
        if ndrop > 0 {
            self.bufs.free_burst(&drop[..ndrop]);
        }
        n
    }

    /// RX counters of queue `q` as kept by the driver (bad_used not included; panics if out of range).
    #[inline]
    pub fn rx_stats(&self, q: u16) -> &Stats {
        &self.rx[q as usize].stats
    }
    /// TX counters of queue `q` as kept by the driver (bad_used not included; panics if out of range).
    #[inline]
    pub fn tx_stats(&self, q: u16) -> &Stats {
        &self.tx[q as usize].stats
    }

    /// Counters of queue pair `q` (panics if `q >= queue_pairs()`).
    pub fn queue_stats(&self, q: u16) -> Stats {
        let (r, t) = (&self.rx[q as usize], &self.tx[q as usize]);
        let mut s = r.stats;
        s.bad_used = r.vq.bad_used;
        s.bad_idx = r.vq.bad_idx;
        s += Stats { bad_used: t.vq.bad_used, bad_idx: t.vq.bad_idx, ..t.stats };
        s
    }

    /// A queue broke and the device was stopped (see `health`).
    #[inline]
    pub fn is_dead(&self) -> bool {
        self.dead.is_some()
    }

    /// Ok while the device behaves; the error that stopped it otherwise (ERR_RINGWAY_DEVICE,
    /// naming the PCI address, the queue and the fix). Not for the hot path (bursts return 0).
    pub fn health(&self) -> Result<()> {
        match &self.dead {
            None => Ok(()),
            Some(m) => Err(Error::Device(m.clone())),
        }
    }

    /// A queue broke (the device moved used->idx impossibly far): nothing in its rings can be
    /// trusted any more, so stop the device before it writes anything else (§2.4: a reset makes
    /// it forget the rings and stop DMA), take every posted buffer back (the reset made them
    /// ours again) and refuse all bursts. Recovery is the caller's: close and reopen the port,
    /// which resets and re-initializes the device (§3.1.1).
    #[cold]
    fn fail(&mut self) {
        if self.dead.is_some() {
            return;
        }
        let (name, q, (seen, idx), held) = self
            .rx
            .iter()
            .enumerate()
            .map(|(i, q)| ("rx", i, q))
            .chain(self.tx.iter().enumerate().map(|(i, q)| ("tx", i, q)))
            .find_map(|(n, i, q)| q.vq.broken().map(|b| (n, i, b, q.vq.buffers_outstanding())))
            .unwrap_or(("?", 0, (0, 0), 0));
        let _ = self.transport.reset();
        if let Some(d) = &self.dev {
            let _ = d.config.disable_bus_master();
        }
        let mut back = Vec::new();
        for q in self.rx.iter_mut().chain(self.tx.iter_mut()) {
            q.vq.drain(&mut back);
        }
        self.bufs.free_burst(&back);
        self.dead = Some(format!(
            "virtio {}: {name} queue {q}: the device moved used.idx from {seen} to {idx}, more than the {held} \
             buffer(s) it held: it is broken or hostile, so it was reset and the port stopped (every buffer is \
             back in the pool). Close and reopen the port to reset and re-initialize it; if it happens again, \
             reset the device (echo 1 > /sys/bus/pci/devices/{}/reset) or check the hypervisor",
            self.bdf, self.bdf
        ));
    }

    pub fn stats(&self) -> Stats {
        let mut s = Stats::default();
        for q in 0..self.rx.len() as u16 {
            s += self.queue_stats(q);
        }
        s
    }

    /// Fault injection for tests: the next `n` completions on RX queue `q` appear to carry a
    /// used length larger than the buffer, as a broken device's would.
    #[doc(hidden)]
    pub fn inject_bad_used_len(&mut self, q: u16, n: u32) {
        self.rx[q as usize].vq.inject_bad_used_len(n);
    }

    pub fn pool(&self) -> &B {
        &self.bufs
    }
    pub fn pool_mut(&mut self) -> &mut B {
        &mut self.bufs
    }

    /// Reset the device (it stops all DMA), return every posted buffer to the pool, stop bus
    /// mastering and release the binding (vfio: DMA unmapped). The NIC is left in reset,
    /// ready for `ringway unbind` / its kernel driver. Idempotent.
    pub fn close(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let dev = self.dev.take();
        // §3.3 / §2.4: a reset makes the device forget our rings; only then may memory go.
        let _ = self.transport.reset();
        if let Some(d) = &dev {
            let _ = d.config.disable_bus_master();
        }
        let mut back = Vec::new();
        for q in self.rx.iter_mut().chain(self.tx.iter_mut()) {
            q.vq.drain(&mut back);
        }
        self.bufs.free_burst(&back);
        self.rx.clear();
        self.tx.clear();
        self.ctrl = None;
        if let (Some(i), Some(d)) = (self.irq.take(), &dev) {
            i.release(d);
        }
        // the device is reset and its buffers back: the watchdog may go (it keeps nothing alive now)
        if let Some(mut w) = self.watchdog.take() {
            w.stand_down();
        }
        drop(dev);
    }
}

impl<B: DmaBuffers> Drop for VirtioNet<B> {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::virtio::DmaPool;

    #[test]
    fn driver_can_move_to_a_worker_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<VirtioNet<DmaPool>>();
    }

    #[test]
    fn open_rejects_bad_bdf() {
        let pool = DmaPool::new(8).unwrap();
        let e = VirtioNet::open("xyz", &Config::default(), pool).err().unwrap();
        assert_eq!(e.to_string(), "bad PCI address 'xyz': expected DDDD:BB:DD.F");
        assert_eq!(e.code(), "ERR_RINGWAY_INVALID_ARGUMENT");
    }
}
