//! af_xdp port (DPDK net_af_xdp): one XDP socket (XSK) per queue on a kernel interface, with the
//! UMEM registered over the pool's own memory, so the kernel writes received frames straight into
//! the buffers JS workers read and sends straight from them (no second pool, no copy in user
//! space; in the kernel's copy mode the kernel copies once, in zero-copy mode the NIC DMAs).
//!
//! - UMEM (af_xdp.rst "UMEM"): the whole pool region, unaligned chunk mode
//!   (XDP_UMEM_UNALIGNED_CHUNK_FLAG) because a pool buffer's stride (2240 bytes by default) is not
//!   a power of two. A buffer is offered as address `buffer + 64` (after our metadata) with a chunk
//!   size of stride - 64; the kernel puts the frame XDP_PACKET_HEADROOM (256) bytes further on and
//!   returns base | offset << 48 (XSK_UNALIGNED_BUF_OFFSET_SHIFT). The first queue's socket
//!   registers the UMEM, the others share it (XDP_SHARED_UMEM) with their own fill and completion
//!   rings (kernel >= 5.10), so pages are pinned once.
//! - Rings in bursts, need_wakeup honoured (XDP_USE_NEED_WAKEUP): the fill ring is topped up and
//!   the RX ring drained once per rx_burst; a TX burst is one producer update and, when the kernel
//!   asks for it (always in copy mode), sendto kicks (copy mode sends 32 per kick). Completions
//!   are reaped at every TX burst.
//! - Every buffer the kernel holds (fill ring, RX in progress, TX until completion) is marked in a
//!   per-queue bitmap, so close returns each one to the pool: the audit stays exact.
//! - The XDP program (prog.rs) is attached by a bpf_link: nothing survives the process.
pub mod libbpf;
pub mod prog;
pub mod ring;

use super::kernel_port::{self, KernelPortState};
use super::layout::*;
use super::netdev::{self, getsockopt, setsockopt, KernelInfo};
use super::spec::{XdpMode, ZeroCopy};
use super::uapi::*;
use super::{NativePort, PortBlock};
use crate::error::{Error, Result};
use crate::mempool::layout::META_SIZE;
use crate::mempool::{Pool, PoolCache};
use prog::XdpProgram;
use ring::{MmapOffsets, XskRing};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub struct XdpConfig {
    pub first_queue: u32,
    pub mode: XdpMode,
    pub zerocopy: ZeroCopy,
    pub busy_poll_us: u32,
}

/// Ring sizes (entries), as DPDK's net_af_xdp sizes them: RX/TX/completion 2048, fill twice
/// that. At most FILL_MAX buffers are posted to the fill ring, and at most a quarter of the pool
/// over all queues, so RX cannot starve the pipeline of buffers; a process that is descheduled
/// for a while (a shared machine) finds up to FILL_MAX + RX frames waiting instead of drops.
const RING: u32 = 2048;
const FILL_RING: u32 = 4096;
const FILL_MAX: u32 = 2048;
/// sizeof(struct xdp_desc), sizeof(u64) (fill/completion entries)
const DESC: usize = 16;
const ADDR: usize = 8;
/// copy mode sends at most this many frames per sendto (net/xdp/xsk.c TX_BATCH_SIZE)
const KICK_BATCH: usize = 32;

/// struct xdp_umem_reg
#[repr(C)]
struct UmemReg {
    addr: u64,
    len: u64,
    chunk_size: u32,
    headroom: u32,
    flags: u32,
    tx_metadata_len: u32,
}
/// struct sockaddr_xdp
#[repr(C)]
struct SockaddrXdp {
    family: u16,
    flags: u16,
    ifindex: u32,
    queue_id: u32,
    shared_umem_fd: u32,
}

struct XskQueue {
    fd: OwnedFd,
    rx: XskRing,
    tx: XskRing,
    fill: XskRing,
    comp: XskRing,
    cache: PoolCache,
    /// buffers the kernel holds (fill ring, in RX, in TX until completion), one bit per handle
    posted: Vec<u64>,
    /// of those, offered through the fill ring and not yet back through RX
    in_fill: u32,
    fill_target: u32,
    busy_poll: bool,
    polls: u32,
    /// XDP_STATISTICS as last read (rx_dropped, rx_invalid, tx_invalid, rx_ring_full, fill_empty, tx_empty)
    kstats: [u64; 6],
}

pub struct AfXdpPort {
    block: Arc<PortBlock>,
    pool: Arc<Pool>,
    queues: Vec<Mutex<Option<XskQueue>>>,
    prog: Mutex<Option<XdpProgram>>,
    kern: KernelPortState,
    /// pool offset of buffer 0 and the stride: address <-> handle
    base: u64,
    stride: u64,
    max_len: usize,
}

fn io(spec: &str, what: &str, e: std::io::Error) -> Error {
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => Error::InvalidArgument(format!(
            "port '{spec}': {what}: {e}. XDP sockets need CAP_NET_RAW (and CAP_IPC_LOCK or a large enough `ulimit -l` \
             for the UMEM): run as root, or `setcap cap_net_raw,cap_net_admin,cap_bpf,cap_ipc_lock+ep $(readlink -f $(which node))`"
        )),
        _ => Error::Io(format!("port '{spec}': {what}: {e}")),
    }
}

impl XskQueue {
    #[inline]
    fn mark(&mut self, h: u32, on: bool) -> bool {
        let (w, b) = ((h / 64) as usize, 1u64 << (h % 64));
        let Some(word) = self.posted.get_mut(w) else { return false };
        let was = *word & b != 0;
        if on {
            *word |= b
        } else {
            *word &= !b
        }
        was
    }

    fn wake(&self) {
        // SAFETY: recvfrom with no buffer on an XSK is the documented RX wake-up (af_xdp.rst, need_wakeup).
        unsafe {
            libc::recvfrom(self.fd.as_raw_fd(), std::ptr::null_mut(), 0, libc::MSG_DONTWAIT, std::ptr::null_mut(), std::ptr::null_mut())
        };
    }
}

impl AfXdpPort {
    pub fn open(spec: &str, ifname: &str, cfg: &XdpConfig, pool: Arc<Pool>, block: Arc<PortBlock>) -> Result<AfXdpPort> {
        netdev::check_name(spec, ifname)?;
        let ifindex = netdev::ifindex(spec, ifname)?;
        let nq = block.n_queues() as u32;
        let have = netdev::rx_queues(ifname).max(1);
        if cfg.first_queue + nq > have {
            return Err(Error::InvalidArgument(format!(
                "port '{spec}': interface '{ifname}' has {have} RX queue(s) but queues {}..{} were asked for; open it with \
                 queue + queues <= {have}, or give it more (`ethtool -L {ifname} combined N`; a veth: numrxqueues N when created)",
                cfg.first_queue,
                cfg.first_queue + nq - 1
            )));
        }
        let stride = pool.stride() as usize;
        let chunk = stride - META_SIZE;
        if !(XDP_UMEM_MIN_CHUNK_SIZE..=4096).contains(&chunk) {
            return Err(Error::InvalidArgument(format!(
                "port '{spec}': AF_XDP needs chunks of 2048..4096 bytes (one page at most) but this pool's buffers give {chunk} \
                 (stride {stride} minus 64 bytes of metadata); create the pool with headroom + dataRoom between 1984 and 4032 \
                 (the default 128 + 2048 works)"
            )));
        }
        let max_len = chunk - XDP_PACKET_HEADROOM;
        let mtu = netdev::mtu(ifname);
        netdev::check_mtu(spec, ifname, mtu, max_len)?;
        let mut prog = XdpProgram::load(spec, have.max(cfg.first_queue + nq))?;
        let region = pool.region().clone();
        let base = pool.offset(0) as u64;
        let fill_target = FILL_MAX.min((pool.n_bufs() / 4 / nq).max(64));
        let mut notes = Vec::new();
        let mut queues: Vec<XskQueue> = Vec::with_capacity(nq as usize);
        let mut zc_all = true;
        for q in 0..nq {
            // SAFETY: plain socket(2); owned right below.
            let fd = unsafe { libc::socket(AF_XDP, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
            if fd < 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() == Some(libc::EAFNOSUPPORT) {
                    return Err(Error::Unsupported(format!(
                        "port '{spec}': this kernel has no XDP sockets (socket(AF_XDP): {e}; CONFIG_XDP_SOCKETS is off); use af_packet:{ifname}")));
                }
                return Err(io(spec, "socket(AF_XDP)", e));
            }
            // SAFETY: fresh fd.
            let fd = unsafe { OwnedFd::from_raw_fd(fd) };
            let raw = fd.as_raw_fd();
            if q == 0 {
                let reg = UmemReg {
                    addr: region.as_ptr() as u64,
                    len: region.len() as u64,
                    chunk_size: chunk as u32,
                    headroom: 0,
                    flags: XDP_UMEM_UNALIGNED_CHUNK_FLAG,
                    tx_metadata_len: 0,
                };
                setsockopt(raw, SOL_XDP, XDP_UMEM_REG, &reg).map_err(|e| match e.raw_os_error() {
                    Some(libc::ENOMEM) | Some(libc::ENOBUFS) => {
                        Error::MemlockLimit(format!(
                        "port '{spec}': registering the pool ({} MiB) as the AF_XDP UMEM: {e}. The kernel pins it against RLIMIT_MEMLOCK: \
                         `ulimit -l unlimited` (LimitMEMLOCK=infinity in a systemd unit) or run with CAP_IPC_LOCK", region.len() >> 20))
                    }
                    Some(libc::EINVAL) => Error::Unsupported(format!(
                        "port '{spec}': the kernel refused the UMEM ({e}): unaligned chunks need Linux 5.4+; use af_packet:{ifname}"
                    )),
                    _ => io(spec, "XDP_UMEM_REG", e),
                })?;
            }
            for (opt, what, n) in [
                (XDP_UMEM_FILL_RING, "fill", FILL_RING),
                (XDP_UMEM_COMPLETION_RING, "completion", RING),
                (XDP_RX_RING, "RX", RING),
                (XDP_TX_RING, "TX", RING),
            ] {
                setsockopt(raw, SOL_XDP, opt, &n).map_err(|e| io(spec, &format!("sizing the {what} ring"), e))?;
            }
            let mut off = MmapOffsets::default();
            getsockopt(raw, SOL_XDP, XDP_MMAP_OFFSETS, &mut off).map_err(|e| io(spec, "XDP_MMAP_OFFSETS", e))?;
            let rx = XskRing::map(raw, &off.rx, RING, DESC, XDP_PGOFF_RX_RING, false, "the XSK RX ring")?;
            let tx = XskRing::map(raw, &off.tx, RING, DESC, XDP_PGOFF_TX_RING, true, "the XSK TX ring")?;
            let fill = XskRing::map(raw, &off.fr, FILL_RING, ADDR, XDP_UMEM_PGOFF_FILL_RING, true, "the UMEM fill ring")?;
            let comp = XskRing::map(raw, &off.cr, RING, ADDR, XDP_UMEM_PGOFF_COMPLETION_RING, false, "the UMEM completion ring")?;
            let mut flags: u16 = XDP_USE_NEED_WAKEUP
                | match cfg.zerocopy {
                    ZeroCopy::On => XDP_ZEROCOPY,
                    ZeroCopy::Off => XDP_COPY,
                    ZeroCopy::Auto => 0, // the kernel tries zero-copy and falls back to copy
                };
            if q > 0 {
                // A socket sharing the UMEM may name no other flag: it inherits copy/zero-copy
                // and need_wakeup from the UMEM's first socket (net/xdp/xsk.c, xsk_bind).
                flags = XDP_SHARED_UMEM;
            }
            let sa = SockaddrXdp {
                family: AF_XDP as u16,
                flags,
                ifindex,
                queue_id: cfg.first_queue + q,
                shared_umem_fd: if q > 0 { queues[0].fd.as_raw_fd() as u32 } else { 0 },
            };
            // SAFETY: sa is a struct sockaddr_xdp of the size given.
            if unsafe { libc::bind(raw, &sa as *const SockaddrXdp as *const libc::sockaddr, std::mem::size_of::<SockaddrXdp>() as u32) } < 0
            {
                let e = std::io::Error::last_os_error();
                let qid = cfg.first_queue + q;
                return Err(match e.raw_os_error() {
                    Some(libc::EOPNOTSUPP) if cfg.zerocopy == ZeroCopy::On => Error::Unsupported(format!(
                        "port '{spec}': the driver of '{ifname}' ({}) has no AF_XDP zero-copy: open it with zerocopy=auto (copy mode)",
                        netdev::driver(ifname))),
                    Some(libc::EBUSY) => Error::DeviceBusy(format!(
                        "port '{spec}': queue {qid} of '{ifname}' already has an XDP socket (another af_xdp port or program); pick another queue= or close it")),
                    _ => io(spec, &format!("binding the XDP socket to {ifname} queue {qid}"), e),
                });
            }
            let mut opt = 0u32;
            let zc = getsockopt(raw, SOL_XDP, XDP_OPTIONS, &mut opt).is_ok() && opt & XDP_OPTIONS_ZEROCOPY != 0;
            zc_all &= zc;
            let mut busy_poll = false;
            if cfg.busy_poll_us > 0 {
                let r = setsockopt(raw, libc::SOL_SOCKET, SO_PREFER_BUSY_POLL, &1i32)
                    .and_then(|_| setsockopt(raw, libc::SOL_SOCKET, SO_BUSY_POLL, &(cfg.busy_poll_us as i32)))
                    .and_then(|_| setsockopt(raw, libc::SOL_SOCKET, SO_BUSY_POLL_BUDGET, &64i32));
                match r {
                    Ok(()) => busy_poll = true,
                    Err(e) => notes.push(format!("busy_poll={} refused ({e}); polling without it", cfg.busy_poll_us)),
                }
            }
            // one bit per buffer slot of the region (handles are slot numbers)
            let slots = (region.len() as u64 - base) / pool.stride() as u64 + 1;
            let mut xs = XskQueue {
                fd,
                rx,
                tx,
                fill,
                comp,
                cache: PoolCache::new(pool.clone())?,
                posted: vec![0; slots.div_ceil(64) as usize],
                in_fill: 0,
                fill_target,
                busy_poll,
                polls: 0,
                kstats: [0; 6],
            };
            prog.set(spec, cfg.first_queue + q, xs.fd.as_raw_fd())?;
            Self::refill_with(&pool, base, &mut xs);
            queues.push(xs);
        }
        notes.extend(prog.attach(spec, ifname, ifindex, cfg.mode)?);
        let mode = format!("{} {}", prog.mode, if zc_all { "zero-copy" } else { "copy" });
        match (cfg.zerocopy, zc_all) {
            (ZeroCopy::Auto, false) => notes.push(format!(
                "zerocopy=auto: the kernel bound the sockets in copy mode ({}) because {}",
                if prog.mode == "skb" { "skb mode always copies" } else { "the driver offers no AF_XDP zero-copy" },
                format_args!("driver {} of {ifname}", netdev::driver(ifname))
            )),
            (ZeroCopy::Auto, true) => {
                notes.push("zerocopy=auto: the driver supports AF_XDP zero-copy; the NIC DMAs into pool buffers".into())
            }
            _ => {}
        }
        let (_, up) = netdev::link(ifname);
        block.set_mac(netdev::mac(ifname));
        block.set_link(up, netdev::speed(ifname));
        block.set_mtu(mtu);
        let info = KernelInfo { ifname: ifname.into(), ifindex, mode, notes, mtu, link_up: up };
        Ok(AfXdpPort {
            block,
            stride: pool.stride() as u64,
            pool,
            queues: queues.into_iter().map(|x| Mutex::new(Some(x))).collect(),
            prog: Mutex::new(Some(prog)),
            kern: KernelPortState::new(info),
            base,
            max_len: max_len.min(mtu as usize + ETH_HLEN + VLAN_HLEN),
        })
    }

    /// Tops the fill ring up to the queue's target with fresh buffers (in batches of >= 32).
    fn refill_with(pool: &Pool, _base: u64, xs: &mut XskQueue) {
        let want = xs.fill_target.saturating_sub(xs.in_fill);
        if want < 32 {
            return;
        }
        let k = xs.fill.free(want).min(want);
        let mut hs = [0u32; 64];
        let mut done = 0u32;
        while done < k {
            let chunk = ((k - done) as usize).min(hs.len());
            let got = xs.cache.alloc_burst(&mut hs[..chunk]);
            for &h in &hs[..got] {
                let addr = (pool.offset(h) + META_SIZE) as u64;
                // SAFETY: entry within the fill ring's descriptor array (done < k <= free).
                unsafe { (xs.fill.entry(done, ADDR) as *mut u64).write(addr) };
                xs.mark(h, true);
                done += 1;
            }
            if got < chunk {
                break; // pool empty: RX continues with what is posted
            }
        }
        if done > 0 {
            xs.fill.advance(done, true);
            xs.in_fill += done;
        }
        if xs.fill.needs_wakeup() {
            xs.wake();
        }
    }

    #[inline]
    fn handle_of(&self, addr: u64) -> Option<u32> {
        let a = addr.checked_sub(self.base)?;
        let h = (a / self.stride) as u32;
        self.pool.valid(h).then_some(h)
    }

    /// Returns completed TX buffers to the pool.
    fn reap(&self, xs: &mut XskQueue) -> u64 {
        let c = xs.comp.ready();
        let (mut hs, mut n) = ([0u32; 64], 0usize);
        let mut bad = 0;
        for i in 0..c {
            // SAFETY: i < ready entries of the completion ring.
            let addr = unsafe { (xs.comp.entry(i, ADDR) as *const u64).read() };
            match self.handle_of(addr & XSK_UNALIGNED_BUF_ADDR_MASK) {
                Some(h) if xs.mark(h, false) => {
                    hs[n] = h;
                    n += 1;
                    if n == hs.len() {
                        xs.cache.free(&hs);
                        n = 0;
                    }
                }
                _ => bad += 1,
            }
        }
        if c > 0 {
            xs.comp.advance(c, false);
        }
        xs.cache.free(&hs[..n]);
        bad
    }

    /// Mirrors XDP_STATISTICS deltas into the block (imissed: rx_dropped, which includes frames
    /// dropped for an empty fill ring, + rx_ring_full; ierrors/oerrors: invalid descriptors).
    fn kernel_stats(&self, q: u16, xs: &mut XskQueue) {
        let mut s = [0u64; 6];
        if getsockopt(xs.fd.as_raw_fd(), SOL_XDP, XDP_STATISTICS, &mut s).is_err() {
            return;
        }
        let d: [u64; 6] = std::array::from_fn(|i| s[i].saturating_sub(xs.kstats[i]));
        xs.kstats = s;
        // rx_dropped already counts the fill-ring-empty drops (d[4]): seen equal on Linux 6.18
        self.block.add(q, PORT_Q_IMISSED, d[0] + d[3]);
        self.block.add(q, PORT_Q_IERRORS, d[1]);
        self.block.add(q, PORT_Q_OERRORS, d[2]);
    }
}

impl NativePort for AfXdpPort {
    fn rx_burst(&self, q: u16, out: &mut [u32]) -> usize {
        let Some(m) = self.queues.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(xs) = g.as_mut() else { return 0 };
        xs.polls = xs.polls.wrapping_add(1);
        let avail = xs.rx.ready().min(out.len() as u32);
        if avail == 0 {
            Self::refill_with(&self.pool, self.base, xs);
            if xs.busy_poll {
                xs.wake(); // drives the driver's NAPI from this thread (SO_PREFER_BUSY_POLL)
            }
            if xs.polls % 4096 == 0 {
                self.kernel_stats(q, xs);
            }
            return 0;
        }
        let port = self.kern.port_id();
        let (mut n, mut bytes, mut errors) = (0usize, 0u64, 0u64);
        for i in 0..avail {
            // SAFETY: i < ready entries of the RX ring; struct xdp_desc { u64 addr; u32 len; u32 options; }.
            let (addr, len) = unsafe {
                let d = xs.rx.entry(i, DESC);
                ((d as *const u64).read(), (d.add(8) as *const u32).read() as usize)
            };
            let chunk = addr & XSK_UNALIGNED_BUF_ADDR_MASK;
            let data = chunk + (addr >> XSK_UNALIGNED_BUF_OFFSET_SHIFT);
            let Some(h) = self.handle_of(chunk) else {
                errors += 1;
                continue;
            };
            if !xs.mark(h, false) {
                errors += 1; // not a buffer we posted: never hand it out
                continue;
            }
            xs.in_fill -= 1;
            let off = (data - self.pool.offset(h) as u64) as usize;
            if off + len > self.stride as usize || len == 0 {
                errors += 1;
                xs.cache.free(&[h]);
                continue;
            }
            let buf = self.pool.buf_ptr(h).expect("handle_of validated h");
            // SAFETY: h came back from the kernel through the RX ring: it is ours again.
            unsafe { netdev::write_rx_meta(buf, off, len, port, q) };
            out[n] = h;
            n += 1;
            bytes += len as u64;
        }
        xs.rx.advance(avail, false);
        Self::refill_with(&self.pool, self.base, xs);
        if xs.polls % 4096 == 0 {
            self.kernel_stats(q, xs);
        }
        self.block.count_rx(q, n as u64, bytes, errors);
        n
    }

    fn tx_burst(&self, q: u16, pkts: &[u32]) -> usize {
        let Some(m) = self.queues.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(xs) = g.as_mut() else { return 0 };
        let mut errors = self.reap(xs);
        let free = xs.tx.free(pkts.len() as u32) as usize;
        let stride = self.stride as usize;
        let (mut n, mut k, mut bytes) = (0usize, 0u32, 0u64);
        let (mut drop, mut nd) = ([0u32; 64], 0usize);
        for &h in pkts {
            if k as usize == free {
                break; // TX ring full: the rest stay the caller's
            }
            n += 1;
            let Some(buf) = self.pool.buf_ptr(h) else {
                errors += 1;
                continue;
            };
            // SAFETY: h is handed to us; metadata in its first 64 bytes.
            let meta = unsafe { netdev::read_tx_meta(buf, stride) };
            match meta {
                Some((_, len)) if len <= self.max_len && xs.mark(h, true) => {
                    errors += 1; // already in the kernel's hands (sent twice): not ours to free
                }
                Some((off, len)) if len <= self.max_len => {
                    let addr = self.pool.offset(h) as u64 + off as u64;
                    // SAFETY: k < free entries of the TX ring.
                    unsafe {
                        let d = xs.tx.entry(k, DESC);
                        (d as *mut u64).write(addr);
                        (d.add(8) as *mut u32).write(len as u32);
                        (d.add(12) as *mut u32).write(0);
                    }
                    k += 1;
                    bytes += len as u64;
                }
                _ => {
                    errors += 1; // bad length: consumed and freed
                    drop[nd] = h;
                    nd += 1;
                    if nd == drop.len() {
                        xs.cache.free(&drop);
                        nd = 0;
                    }
                }
            }
        }
        xs.cache.free(&drop[..nd]);
        if k > 0 {
            xs.tx.advance(k, true);
            if xs.tx.needs_wakeup() {
                for _ in 0..(k as usize).div_ceil(KICK_BATCH) {
                    // SAFETY: sendto with no buffer on an XSK is the documented TX kick.
                    let r = unsafe { libc::sendto(xs.fd.as_raw_fd(), std::ptr::null(), 0, libc::MSG_DONTWAIT, std::ptr::null(), 0) };
                    if r >= 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN) {
                        break;
                    }
                }
            }
            errors += self.reap(xs);
        }
        self.block.count_tx(q, k as u64, bytes, errors);
        n
    }

    fn close(&self) -> Result<()> {
        // The program first (traffic goes back to the kernel stack), then the sockets; only then
        // do the buffers the kernel held come back to the pool.
        drop(kernel_port::take(&self.prog));
        for m in &self.queues {
            let xs = kernel_port::take(m);
            let Some(xs) = xs else { continue };
            let XskQueue { fd, rx, tx, fill, comp, mut cache, posted, .. } = xs;
            drop((rx, tx, fill, comp));
            drop(fd); // xsk_release: unbinds, waits for in-flight RX (synchronize_net)
            let mut hs = Vec::with_capacity(256);
            for (w, &bits) in posted.iter().enumerate() {
                for b in 0..64 {
                    if bits & (1 << b) != 0 {
                        hs.push((w * 64 + b) as u32);
                    }
                }
            }
            cache.free(&hs);
        }
        self.block.set_link(false, 0);
        Ok(())
    }

    fn set_port_id(&self, id: u16) {
        self.kern.set_port_id(id);
    }

    fn kernel_info(&self) -> Option<KernelInfo> {
        self.kern.kernel_info(&self.block)
    }
}
