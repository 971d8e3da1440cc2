//! A virtio-net device in software, for tests: a `Transport` with no PCI function behind it, and
//! a handle the test uses to act as the device on the driver's real rings (the descriptor table,
//! available and used rings the driver allocated, reached through their device addresses as a
//! NIC's DMA engine would). It behaves like a correct device when asked (`deliver`, `tx_done`),
//! and like a broken or hostile one when told to (`complete` with any id and length,
//! `set_used_idx` anywhere, never completing at all).
//!
//! Every device access goes through `dma::with_iova`, which fails when the address is not inside
//! memory the driver registered and still holds: a driver that handed the device a stray or freed
//! address makes the test double panic, i.e. the test fail.
use super::spec::{feature::*, net as n, netcfg, ring::*, status};
use super::Transport;
use crate::bind::dma;
use crate::error::{Error, Result};
use std::collections::VecDeque;
use std::num::Wrapping;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Default)]
struct Queue {
    size: u16,
    desc: u64,
    avail: u64,
    used: u64,
    /// how far the device has read the available ring
    last_avail: Wrapping<u16>,
    /// the device's used->idx (what it last stored)
    used_idx: Wrapping<u16>,
    /// heads taken from the available ring, not completed yet (oldest first)
    owned: VecDeque<u16>,
}

#[derive(Default)]
struct State {
    status: u8,
    offered: u64,
    driver: u64,
    qmax: u16,
    queues: Vec<Option<Queue>>,
    notifies: Vec<u64>,
    resets: u64,
    mac: [u8; 6],
    /// device accesses refused because the address was not the driver's (stray or freed)
    stray: u64,
    /// answer is_legacy() true (a legacy-interface device: 32 feature bits, no FEATURES_OK)
    legacy: bool,
    /// MQ device (`new_mq`): max_virtqueue_pairs, the control queue's index, the last
    /// VQ_PAIRS_SET value it acknowledged
    pairs: u16,
    ctrl_q: Option<u16>,
    pairs_set: u16,
}

/// The test's side of the device.
#[derive(Clone)]
pub struct FakeNet {
    st: Arc<Mutex<State>>,
}

/// The driver's side (boxed into `VirtioNet::with_transport`).
pub struct FakeTransport {
    st: Arc<Mutex<State>>,
}

fn rd<T: Copy>(iova: u64) -> Option<T> {
    // SAFETY: with_iova checked that size_of::<T>() bytes at iova are inside a live area.
    dma::with_iova(iova, size_of::<T>(), |p| unsafe { std::ptr::read_volatile(p as *const T) })
}
fn wr<T: Copy>(iova: u64, v: T) -> Option<()> {
    // SAFETY: as above.
    dma::with_iova(iova, size_of::<T>(), |p| unsafe { std::ptr::write_volatile(p as *mut T, v) })
}

impl FakeNet {
    /// A device offering VERSION_1 and MAC (plus EVENT_IDX when `event_idx`), one queue pair of
    /// at most `qmax` entries, no control queue.
    pub fn new(qmax: u16, event_idx: bool) -> (FakeNet, Box<dyn Transport>) {
        let offered = VERSION_1 | NET_MAC | if event_idx { RING_EVENT_IDX } else { 0 };
        let st = Arc::new(Mutex::new(State {
            offered,
            qmax,
            queues: vec![None, None],
            notifies: vec![0, 0],
            mac: [0x52, 0x54, 0, 0x12, 0x34, 0x56],
            ..Default::default()
        }));
        (FakeNet { st: st.clone() }, Box::new(FakeTransport { st }))
    }

    /// A device offering exactly `offered`, through a legacy (`legacy`) or modern interface,
    /// one queue pair of at most `qmax` entries (legacy: exactly `qmax`), no control queue.
    pub fn with_features(qmax: u16, offered: u64, legacy: bool) -> (FakeNet, Box<dyn Transport>) {
        let (dev, t) = FakeNet::new(qmax, false);
        {
            let mut st = dev.lock();
            st.offered = offered;
            st.legacy = legacy;
        }
        (dev, t)
    }

    /// The features the driver accepted.
    pub fn driver_features(&self) -> u64 {
        self.lock().driver
    }

    /// The descriptor chain at `head` of queue `q` as the device walks it (§2.7.5: NEXT flag,
    /// next index): (addr, len, flags) per descriptor, at most the queue size of them.
    pub fn chain(&self, q: u16, head: u16) -> Vec<(u64, u32, u16)> {
        let (desc, size) = {
            let st = self.lock();
            let vq = st.queues[q as usize].as_ref().expect("queue not live");
            (vq.desc, vq.size)
        };
        let mut out = Vec::new();
        let mut id = head;
        for _ in 0..size {
            let d = desc + (id as usize * DESC_SIZE) as u64;
            let addr = u64::from_le(rd::<u64>(d).expect("descriptor outside driver memory"));
            let len = u32::from_le(rd::<u32>(d + 8).expect("descriptor outside driver memory"));
            let flags = u16::from_le(rd::<u16>(d + 12).expect("descriptor outside driver memory"));
            out.push((addr, len, flags));
            if flags & DESC_F_NEXT == 0 {
                break;
            }
            id = u16::from_le(rd::<u16>(d + 14).expect("descriptor outside driver memory"));
        }
        out
    }

    /// Write `bytes` over the device-writable descriptors of the chain at `head` (a device
    /// receiving into it); returns how many fitted.
    pub fn scatter(&self, q: u16, head: u16, bytes: &[u8]) -> usize {
        let mut at = 0;
        for (addr, len, flags) in self.chain(q, head) {
            assert!(flags & DESC_F_WRITE != 0, "RX descriptor of chain {head} is not device-writable");
            let n = (len as usize).min(bytes.len() - at);
            // SAFETY: with_iova checked that n bytes at addr are inside a live area.
            let ok = dma::with_iova(addr, n, |p| unsafe { std::ptr::copy_nonoverlapping(bytes[at..].as_ptr(), p, n) });
            assert!(ok.is_some(), "RX descriptor points outside driver memory");
            at += n;
        }
        at
    }

    /// Read the device-readable descriptors of the chain at `head`, concatenated (a device
    /// transmitting it), and the chain's descriptor lengths.
    pub fn gather(&self, q: u16, head: u16) -> (Vec<u8>, Vec<u32>) {
        let mut out = Vec::new();
        let mut lens = Vec::new();
        for (addr, len, flags) in self.chain(q, head) {
            assert!(flags & DESC_F_WRITE == 0, "TX descriptor of chain {head} is device-writable");
            let mut b = vec![0u8; len as usize];
            // SAFETY: with_iova checked that len bytes at addr are inside a live area.
            let ok = dma::with_iova(addr, len as usize, |p| unsafe { std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), len as usize) });
            assert!(ok.is_some(), "TX descriptor points outside driver memory");
            out.extend_from_slice(&b);
            lens.push(len);
        }
        (out, lens)
    }

    /// A device offering VERSION_1, MAC, CTRL_VQ and MQ with `pairs` queue pairs (receiveqN 2N,
    /// transmitqN 2N+1, controlq 2 * pairs, §5.1.2) that acknowledges every control command
    /// (§5.1.6.5: ack = VIRTIO_NET_OK) as soon as it is kicked, and remembers VQ_PAIRS_SET.
    pub fn new_mq(qmax: u16, pairs: u16) -> (FakeNet, Box<dyn Transport>) {
        let nq = 2 * pairs as usize + 1;
        let st = Arc::new(Mutex::new(State {
            offered: VERSION_1 | NET_MAC | NET_CTRL_VQ | NET_MQ,
            qmax,
            queues: (0..nq).map(|_| None).collect(),
            notifies: vec![0; nq],
            mac: [0x52, 0x54, 0, 0x12, 0x34, 0x57],
            pairs,
            ctrl_q: Some(2 * pairs),
            ..Default::default()
        }));
        (FakeNet { st: st.clone() }, Box::new(FakeTransport { st }))
    }

    /// The last VQ_PAIRS_SET the device acknowledged (0: none).
    pub fn pairs_set(&self) -> u16 {
        self.lock().pairs_set
    }

    /// Complete every control command on the avail ring of `q`: the first descriptor holds
    /// { class, command, data }, the device-writable one gets the ack byte.
    fn serve_ctrl(&self, q: u16) {
        self.take(q);
        while let Some(head) = self.hold(q) {
            let base = self.lock().queues[q as usize].as_ref().expect("control queue live").desc;
            let (mut d, mut cmd, mut ack) = (head, None, None);
            for _ in 0..4 {
                let desc = base + (d as usize * DESC_SIZE) as u64;
                let addr = u64::from_le(rd::<u64>(desc).expect("descriptor outside driver memory"));
                let flags = u16::from_le(rd::<u16>(desc + 12).expect("descriptor outside driver memory"));
                if flags & DESC_F_WRITE != 0 {
                    ack = Some(addr);
                } else if cmd.is_none() {
                    cmd = Some([
                        rd::<u8>(addr).unwrap(),
                        rd::<u8>(addr + 1).unwrap(),
                        rd::<u8>(addr + 2).unwrap(),
                        rd::<u8>(addr + 3).unwrap(),
                    ]);
                }
                if flags & DESC_F_NEXT == 0 {
                    break;
                }
                d = u16::from_le(rd::<u16>(desc + 14).expect("descriptor outside driver memory"));
            }
            if let Some([n::CTRL_MQ, n::CTRL_MQ_VQ_PAIRS_SET, lo, hi]) = cmd {
                self.lock().pairs_set = u16::from_le_bytes([lo, hi]);
            }
            wr::<u8>(ack.expect("control command without an ack byte"), n::CTRL_OK).expect("ack outside driver memory");
            self.complete(q, head as u32, 1);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn status(&self) -> u8 {
        self.lock().status
    }
    pub fn resets(&self) -> u64 {
        self.lock().resets
    }
    pub fn notifies(&self, q: u16) -> u64 {
        self.lock().notifies[q as usize]
    }
    /// Device accesses that found no driver memory at the address.
    pub fn stray(&self) -> u64 {
        self.lock().stray
    }
    /// Whether queue `q` is live (set up and not reset).
    pub fn live(&self, q: u16) -> bool {
        self.lock().queues[q as usize].is_some()
    }

    /// Read new entries of the available ring (what a device does after a kick). Returns how
    /// many heads the device now owns on `q`.
    pub fn take(&self, q: u16) -> usize {
        let mut st = self.lock();
        let State { queues, stray, .. } = &mut *st;
        let Some(vq) = queues[q as usize].as_mut() else { return 0 };
        let Some(idx) = rd::<u16>(vq.avail + 2) else {
            *stray += 1;
            return vq.owned.len();
        };
        let idx = Wrapping(u16::from_le(idx));
        while vq.last_avail != idx {
            let slot = (vq.last_avail.0 & (vq.size - 1)) as u64;
            let head = rd::<u16>(vq.avail + AVAIL_HDR as u64 + 2 * slot).map(u16::from_le);
            match head {
                Some(h) if h < vq.size => vq.owned.push_back(h),
                _ => *stray += 1,
            }
            vq.last_avail += 1;
        }
        vq.owned.len()
    }

    /// Write one used element (any id, any length: the hostile part) and advance used->idx.
    pub fn complete(&self, q: u16, id: u32, len: u32) {
        let mut st = self.lock();
        let vq = st.queues[q as usize].as_mut().expect("queue not live");
        let slot = (vq.used_idx.0 & (vq.size - 1)) as u64;
        let e = vq.used + USED_HDR as u64 + USED_ELEM as u64 * slot;
        wr::<u32>(e, id.to_le()).expect("used ring outside driver memory");
        wr::<u32>(e + 4, len.to_le()).expect("used ring outside driver memory");
        vq.used_idx += 1;
        let v = vq.used_idx.0;
        wr::<u16>(vq.used + 2, v.to_le()).expect("used ring outside driver memory");
    }

    /// Store any value into used->idx (backwards, far ahead...).
    pub fn set_used_idx(&self, q: u16, v: u16) {
        let mut st = self.lock();
        let vq = st.queues[q as usize].as_mut().expect("queue not live");
        vq.used_idx = Wrapping(v);
        wr::<u16>(vq.used + 2, v.to_le()).expect("used ring outside driver memory");
    }
    pub fn used_idx(&self, q: u16) -> u16 {
        self.lock().queues[q as usize].as_ref().map_or(0, |v| v.used_idx.0)
    }

    /// Forget the oldest owned head without completing it (returns it): a device that holds a
    /// buffer forever, or whose completion will carry a wrong id instead.
    pub fn hold(&self, q: u16) -> Option<u16> {
        self.lock().queues[q as usize].as_mut()?.owned.pop_front()
    }

    /// Receive `frame` into the oldest RX buffer the device owns, as a correct device does:
    /// virtio_net_hdr (zeros) + frame, bounded by the descriptor, then one used element.
    pub fn deliver(&self, q: u16, frame: &[u8]) -> bool {
        let hdr = n::HDR_LEN_V1;
        let (head, desc) = {
            let mut st = self.lock();
            let Some(vq) = st.queues[q as usize].as_mut() else { return false };
            let Some(h) = vq.owned.pop_front() else { return false };
            (h, vq.desc + (h as usize * DESC_SIZE) as u64)
        };
        let addr = u64::from_le(rd::<u64>(desc).expect("descriptor outside driver memory"));
        let len = u32::from_le(rd::<u32>(desc + 8).expect("descriptor outside driver memory")) as usize;
        let flags = u16::from_le(rd::<u16>(desc + 12).expect("descriptor outside driver memory"));
        assert!(flags & DESC_F_WRITE != 0, "RX descriptor {head} is not device-writable");
        let total = (hdr + frame.len()).min(len);
        let mut bytes = vec![0u8; hdr];
        bytes.extend_from_slice(frame);
        // SAFETY: with_iova checked that `total` bytes at addr are inside a live area.
        let ok = dma::with_iova(addr, total, |p| unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, total) });
        if ok.is_none() {
            self.lock().stray += 1;
            return false;
        }
        self.complete(q, head as u32, total as u32);
        true
    }

    /// Transmit everything the device owns on TX queue `q` (a correct device: used len 0, it
    /// wrote nothing). Returns the frames, header stripped.
    pub fn tx_done(&self, q: u16) -> Vec<Vec<u8>> {
        self.take(q);
        let mut out = Vec::new();
        while let Some(head) = self.hold(q) {
            let desc = self.lock().queues[q as usize].as_ref().expect("queue not live").desc + (head as usize * DESC_SIZE) as u64;
            let addr = u64::from_le(rd::<u64>(desc).expect("descriptor outside driver memory"));
            let len = u32::from_le(rd::<u32>(desc + 8).expect("descriptor outside driver memory")) as usize;
            let mut b = vec![0u8; len];
            // SAFETY: with_iova checked that `len` bytes at addr are inside a live area.
            let ok = dma::with_iova(addr, len, |p| unsafe { std::ptr::copy_nonoverlapping(p, b.as_mut_ptr(), len) });
            assert!(ok.is_some(), "TX descriptor {head} points outside driver memory");
            out.push(b.split_off(n::HDR_LEN_V1.min(len)));
            self.complete(q, head as u32, 0);
        }
        out
    }
}

impl FakeTransport {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Transport for FakeTransport {
    fn name(&self) -> &'static str {
        "fake"
    }
    fn is_legacy(&self) -> bool {
        self.lock().legacy
    }
    fn status(&self) -> Result<u8> {
        Ok(self.lock().status)
    }
    fn set_status(&self, s: u8) -> Result<()> {
        let mut st = self.lock();
        if s == status::RESET {
            st.queues.iter_mut().for_each(|q| *q = None);
            st.resets += 1;
        }
        st.status = s;
        Ok(())
    }
    fn reset(&self) -> Result<()> {
        // §2.4.1: after a reset the device forgets every queue and writes nothing more.
        self.set_status(status::RESET)
    }
    fn device_features(&self) -> Result<u64> {
        Ok(self.lock().offered)
    }
    fn set_driver_features(&self, f: u64) -> Result<()> {
        let mut st = self.lock();
        if f & !st.offered != 0 {
            return Err(Error::Device(format!("fake device: driver accepted features it was not offered: {f:#x}")));
        }
        st.driver = f;
        Ok(())
    }
    fn queue_max(&self, q: u16) -> Result<u16> {
        let st = self.lock();
        Ok(if (q as usize) < st.queues.len() { st.qmax } else { 0 })
    }
    fn setup_queue(&mut self, q: u16, size: u16, desc: u64, avail: u64, used: u64) -> Result<()> {
        let mut st = self.lock();
        assert!(size.is_power_of_two() && size <= st.qmax, "queue {q}: size {size}");
        // The ring parts must be driver memory (checked here once, as an IOMMU fault would).
        let n = size as usize;
        assert!(dma::with_iova(desc, DESC_SIZE * n, |_| ()).is_some(), "queue {q}: descriptor table not mapped");
        assert!(dma::with_iova(avail, AVAIL_HDR + 2 * n + 2, |_| ()).is_some(), "queue {q}: avail ring not mapped");
        assert!(dma::with_iova(used, USED_HDR + USED_ELEM * n + 2, |_| ()).is_some(), "queue {q}: used ring not mapped");
        st.queues[q as usize] = Some(Queue { size, desc, avail, used, ..Default::default() });
        Ok(())
    }
    fn notify(&self, q: u16) -> Result<()> {
        let ctrl = {
            let mut st = self.lock();
            if let Some(c) = st.notifies.get_mut(q as usize) {
                *c += 1;
            }
            st.ctrl_q == Some(q)
        };
        if ctrl {
            FakeNet { st: self.st.clone() }.serve_ctrl(q);
        }
        Ok(())
    }
    fn config8(&self, off: usize) -> Result<u8> {
        let st = self.lock();
        Ok(if (netcfg::MAC..netcfg::MAC + 6).contains(&off) {
            st.mac[off - netcfg::MAC]
        } else if (netcfg::MAX_VQ_PAIRS..netcfg::MAX_VQ_PAIRS + 2).contains(&off) {
            st.pairs.to_le_bytes()[off - netcfg::MAX_VQ_PAIRS]
        } else {
            0
        })
    }
    fn config_generation(&self) -> Result<u8> {
        Ok(0)
    }
}
