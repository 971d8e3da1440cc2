//! af_packet port (DPDK net_af_packet): any kernel interface through packet sockets with mmap'ed
//! rings. Per queue, two sockets:
//! - RX: TPACKET_V3 (block-based: the kernel fills a block of many packets and hands it over in
//!   one status flip, so a burst costs no syscall), bound to ETH_P_ALL; with several queues the
//!   sockets join one PACKET_FANOUT_HASH group, so a flow always lands on the same queue.
//!   Queue 0 puts the interface in promiscuous mode by PACKET_ADD_MEMBERSHIP (undone by the kernel
//!   when the socket closes, so a killed process leaves no promiscuous interface behind).
//! - TX: TPACKET_V2 frame ring with PACKET_QDISC_BYPASS (straight to the driver, as DPDK and
//!   trafgen do; refused on old kernels, then noted in info), kicked by one sendto per burst.
//!   It is bound with protocol 0, so it receives nothing.
//!
//! Packets are copied between the kernel's rings and pool buffers (the kernel owns ring memory;
//! AF_XDP is the zero-copy path). Kernel references: Documentation/networking/packet_mmap.rst,
//! net/packet/af_packet.c.
use super::kernel_port::{self, KernelPortState};
use super::layout::*;
use super::netdev::{self, getsockopt, setsockopt, KernelInfo, Mmap};
use super::uapi::*;
use super::{NativePort, PortBlock};
use crate::error::{Error, Result};
use crate::mempool::layout::META_SIZE;
use crate::mempool::{Pool, PoolCache};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::sync::{Arc, Mutex};

/// RX ring: 16 blocks of 256 KiB (~1800 64-byte packets each), retired after 1 ms when not full,
/// so a lone packet (a ping) waits at most that long.
const RX_BLOCK_SIZE: u32 = 1 << 18;
const RX_BLOCK_NR: u32 = 16;
const RX_FRAME_SIZE: u32 = 2048;
const RX_RETIRE_MS: u32 = 1;
/// TX ring: 1024 frames.
const TX_FRAMES: usize = 1024;

/// struct tpacket_req3
#[repr(C)]
struct TpacketReq3 {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
    retire_blk_tov: u32,
    sizeof_priv: u32,
    feature_req_word: u32,
}
/// struct tpacket_req
#[repr(C)]
struct TpacketReq {
    block_size: u32,
    block_nr: u32,
    frame_size: u32,
    frame_nr: u32,
}
/// struct packet_mreq
#[repr(C)]
struct PacketMreq {
    ifindex: i32,
    kind: u16,
    alen: u16,
    address: [u8; 8],
}

struct RxRing {
    fd: OwnedFd,
    map: Mmap,
    cur: usize,
    /// packets left in the block being read (0: the block at `cur` is not being read yet)
    left: u32,
    /// offset of the next packet within the current block
    off: usize,
}

struct TxRing {
    fd: OwnedFd,
    map: Mmap,
    frame_size: usize,
    per_block: usize,
    block_size: usize,
    head: usize,
}

struct Queue {
    rx: RxRing,
    tx: TxRing,
    cache: PoolCache,
}

pub struct AfPacketPort {
    spec: String,
    block: Arc<PortBlock>,
    pool: Arc<Pool>,
    queues: Vec<Mutex<Option<Queue>>>,
    kern: KernelPortState,
    /// largest frame TX accepts: the interface's MTU + Ethernet and VLAN headers
    max_tx: AtomicU32,
}

fn sock(spec: &str) -> Result<OwnedFd> {
    // SAFETY: plain socket(2); protocol 0: no packets are queued to it until bind names one.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(netdev::os_err(spec, "socket(AF_PACKET)", "CAP_NET_RAW"));
    }
    // SAFETY: fresh fd nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn bind(fd: i32, ifindex: u32, proto: u16) -> std::io::Result<()> {
    // SAFETY: sockaddr_ll is plain data; zeroed is a valid value.
    let mut sll: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    sll.sll_family = libc::AF_PACKET as u16;
    sll.sll_protocol = proto.to_be();
    sll.sll_ifindex = ifindex as i32;
    // SAFETY: sll is a valid sockaddr_ll of the size given.
    let r = unsafe { libc::bind(fd, &sll as *const _ as *const libc::sockaddr, std::mem::size_of::<libc::sockaddr_ll>() as u32) };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn io(spec: &str, what: &str, e: std::io::Error) -> Error {
    Error::Io(format!("port '{spec}': {what}: {e}"))
}

/// A fanout group id for this port, unique in the process and unlikely to meet another's.
fn fanout_id() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    (std::process::id() as u16).wrapping_mul(31).wrapping_add(NEXT.fetch_add(1, Relaxed) as u16)
}

impl RxRing {
    fn open(spec: &str, ifindex: u32, fanout: Option<u16>, promisc: bool) -> Result<RxRing> {
        let s = sock(spec)?;
        let fd = s.as_raw_fd();
        setsockopt(fd, SOL_PACKET, PACKET_VERSION, &TPACKET_V3).map_err(|e| io(spec, "PACKET_VERSION TPACKET_V3", e))?;
        let req = TpacketReq3 {
            block_size: RX_BLOCK_SIZE,
            block_nr: RX_BLOCK_NR,
            frame_size: RX_FRAME_SIZE,
            frame_nr: RX_BLOCK_SIZE / RX_FRAME_SIZE * RX_BLOCK_NR,
            retire_blk_tov: RX_RETIRE_MS,
            sizeof_priv: 0,
            feature_req_word: 0,
        };
        setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req).map_err(|e| io(spec, "PACKET_RX_RING", e))?;
        let map = Mmap::new(fd, (RX_BLOCK_SIZE * RX_BLOCK_NR) as usize, 0, "the TPACKET_V3 RX ring")?;
        // Our own TX never reaches this socket (qdisc bypass skips the taps); other local senders'
        // outgoing frames are filtered by sll_pkttype in rx_burst. Best effort (kernel >= 4.20).
        let _ = setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &1i32);
        bind(fd, ifindex, ETH_P_ALL).map_err(|e| io(spec, "bind of the RX socket", e))?;
        if let Some(id) = fanout {
            let arg: u32 = id as u32 | (PACKET_FANOUT_HASH << 16);
            setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg).map_err(|e| io(spec, "PACKET_FANOUT (hash)", e))?;
        }
        if promisc {
            let m = PacketMreq { ifindex: ifindex as i32, kind: PACKET_MR_PROMISC, alen: 0, address: [0; 8] };
            setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &m).map_err(|e| io(spec, "PACKET_ADD_MEMBERSHIP (promiscuous)", e))?;
        }
        Ok(RxRing { fd: s, map, cur: 0, left: 0, off: 0 })
    }

    fn block(&self, i: usize) -> *mut u8 {
        // SAFETY: i < RX_BLOCK_NR, so the block lies inside the mapping.
        unsafe { self.map.ptr.add(i * RX_BLOCK_SIZE as usize) }
    }

    fn status(&self, i: usize) -> &AtomicU32 {
        // SAFETY: block_status is an aligned u32 in the block header, shared with the kernel.
        unsafe { &*(self.block(i).add(BLK_STATUS) as *const AtomicU32) }
    }

    /// Drops since the last call (PACKET_STATISTICS resets on read).
    fn drops(&self) -> u64 {
        let mut st = [0u32; 3]; // struct tpacket_stats_v3
        getsockopt(self.fd.as_raw_fd(), SOL_PACKET, PACKET_STATISTICS, &mut st).map_or(0, |_| st[1] as u64)
    }
}

impl TxRing {
    fn open(spec: &str, ifindex: u32, room: usize, notes: &mut Vec<String>) -> Result<TxRing> {
        let s = sock(spec)?;
        let fd = s.as_raw_fd();
        setsockopt(fd, SOL_PACKET, PACKET_VERSION, &TPACKET_V2).map_err(|e| io(spec, "PACKET_VERSION TPACKET_V2", e))?;
        if let Err(e) = setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &1i32) {
            notes.push(format!("PACKET_QDISC_BYPASS refused ({e}): TX goes through the qdisc"));
        }
        // A malformed frame is skipped instead of stopping the ring (we check lengths first anyway).
        let _ = setsockopt(fd, SOL_PACKET, PACKET_LOSS, &1i32);
        let frame_size = (T2_TX_DATA + room).next_multiple_of(TPACKET_ALIGNMENT);
        let block_size = (frame_size * 16).next_power_of_two().max(4096);
        let per_block = block_size / frame_size;
        let block_nr = TX_FRAMES.div_ceil(per_block);
        let req = TpacketReq {
            block_size: block_size as u32,
            block_nr: block_nr as u32,
            frame_size: frame_size as u32,
            frame_nr: (per_block * block_nr) as u32,
        };
        setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req).map_err(|e| io(spec, "PACKET_TX_RING", e))?;
        let map = Mmap::new(fd, block_size * block_nr, 0, "the TPACKET_V2 TX ring")?;
        bind(fd, ifindex, 0).map_err(|e| io(spec, "bind of the TX socket", e))?;
        Ok(TxRing { fd: s, map, frame_size, per_block, block_size, head: 0 })
    }

    fn frames(&self) -> usize {
        self.map.len / self.block_size * self.per_block
    }

    fn frame(&self, i: usize) -> *mut u8 {
        // SAFETY: i < frames(): the frame lies inside block i / per_block of the mapping.
        unsafe { self.map.ptr.add(i / self.per_block * self.block_size + i % self.per_block * self.frame_size) }
    }

    fn status(&self, i: usize) -> &AtomicU32 {
        // SAFETY: tp_status is the frame header's first, aligned u32, shared with the kernel.
        unsafe { &*(self.frame(i).add(T2_STATUS) as *const AtomicU32) }
    }
}

impl AfPacketPort {
    pub fn open(spec: &str, ifname: &str, pool: Arc<Pool>, block: Arc<PortBlock>) -> Result<AfPacketPort> {
        netdev::check_name(spec, ifname)?;
        let ifindex = netdev::ifindex(spec, ifname)?;
        let mtu = netdev::mtu(ifname);
        let room = pool.data_room() as usize;
        netdev::check_mtu(spec, ifname, mtu, room.min(RX_FRAME_SIZE as usize * 64))?;
        let nq = block.n_queues();
        let mut notes = Vec::new();
        let fanout = (nq > 1).then(fanout_id);
        let mut queues = Vec::with_capacity(nq);
        for q in 0..nq {
            let rx = RxRing::open(spec, ifindex, fanout, q == 0)?;
            let tx = TxRing::open(spec, ifindex, room, &mut notes)?;
            queues.push(Mutex::new(Some(Queue { rx, tx, cache: PoolCache::new(pool.clone())? })));
        }
        notes.dedup();
        if let Some(id) = fanout {
            notes.push(format!("{nq} RX sockets in PACKET_FANOUT_HASH group {id}: a flow stays on one queue"));
        }
        let (_, up) = netdev::link(ifname);
        block.set_mac(netdev::mac(ifname));
        block.set_link(up, netdev::speed(ifname));
        block.set_mtu(mtu);
        let info = KernelInfo { ifname: ifname.into(), ifindex, mode: "tpacket_v3 rx, tpacket_v2 tx".into(), notes, mtu, link_up: up };
        Ok(AfPacketPort {
            spec: spec.into(),
            block,
            pool,
            queues,
            kern: KernelPortState::new(info),
            max_tx: AtomicU32::new((mtu as usize + ETH_HLEN + VLAN_HLEN) as u32),
        })
    }

    pub fn spec(&self) -> &str {
        &self.spec
    }
}

impl NativePort for AfPacketPort {
    fn rx_burst(&self, q: u16, out: &mut [u32]) -> usize {
        let Some(m) = self.queues.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(qs) = g.as_mut() else { return 0 };
        let rx = &mut qs.rx;
        // Nothing handed over yet: no allocation, no syscall. Acquire pairs with the kernel's
        // smp_wmb before it sets TP_STATUS_USER (packet_mmap.rst, "TPACKET_V3").
        if rx.left == 0 && rx.status(rx.cur).load(Acquire) & TP_STATUS_USER == 0 {
            return 0;
        }
        let want = out.len();
        let got = qs.cache.alloc_burst(out);
        self.block.add(q, PORT_Q_RX_NOMBUF, (want - got) as u64);
        let data_off = META_SIZE + self.pool.headroom() as usize;
        let room = self.pool.data_room() as usize;
        let port = self.kern.port_id();
        let (mut n, mut bytes, mut errors, mut drops) = (0usize, 0u64, 0u64, 0u64);
        while n < got {
            if rx.left == 0 {
                if rx.status(rx.cur).load(Acquire) & TP_STATUS_USER == 0 {
                    break;
                }
                // SAFETY: the block is ours until we hand it back (TP_STATUS_USER); header words in range.
                let (np, first) = unsafe {
                    let b = rx.block(rx.cur);
                    ((b.add(BLK_NUM_PKTS) as *const u32).read(), (b.add(BLK_OFF_FIRST) as *const u32).read())
                };
                rx.left = np;
                rx.off = first as usize;
                if np == 0 {
                    rx.status(rx.cur).store(TP_STATUS_KERNEL, Release);
                    rx.cur = (rx.cur + 1) % RX_BLOCK_NR as usize;
                    continue;
                }
            }
            let b = rx.block(rx.cur);
            // SAFETY: the kernel wrote a tpacket3_hdr at `off` inside this block (it is ours: TP_STATUS_USER).
            let (next, snap, wire, mac, pkttype) = unsafe {
                let p = b.add(rx.off);
                (
                    (p.add(T3_NEXT_OFFSET) as *const u32).read(),
                    (p.add(T3_SNAPLEN) as *const u32).read() as usize,
                    (p.add(T3_LEN) as *const u32).read() as usize,
                    (p.add(T3_MAC) as *const u16).read() as usize,
                    *p.add(T3_SLL_PKTTYPE),
                )
            };
            if pkttype == PACKET_OUTGOING {
                // another local sender's frame seen on its way out: not input
            } else if snap > room || snap < wire || rx.off + mac + snap > RX_BLOCK_SIZE as usize {
                errors += 1; // longer than a pool buffer (the MTU grew after open): no multi-buffer packets yet
            } else {
                let h = out[n];
                if let Some(buf) = self.pool.buf_ptr(h) {
                    // SAFETY: h is freshly allocated (ours); data_off + snap <= stride; the source
                    // lies inside the block (checked above).
                    unsafe {
                        std::ptr::copy_nonoverlapping(b.add(rx.off + mac), buf.add(data_off), snap);
                        netdev::write_rx_meta(buf, data_off, snap, port, q);
                    }
                    bytes += snap as u64;
                    n += 1;
                }
            }
            rx.left -= 1;
            rx.off += next as usize;
            if rx.left == 0 {
                // Release: our reads of the block happen before the kernel may refill it.
                rx.status(rx.cur).store(TP_STATUS_KERNEL, Release);
                rx.cur = (rx.cur + 1) % RX_BLOCK_NR as usize;
                drops += rx.drops();
            }
        }
        qs.cache.free(&out[n..got]);
        self.block.count_rx(q, n as u64, bytes, errors);
        self.block.add(q, PORT_Q_IMISSED, drops);
        n
    }

    fn tx_burst(&self, q: u16, pkts: &[u32]) -> usize {
        let Some(m) = self.queues.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(qs) = g.as_mut() else { return 0 };
        let tx = &mut qs.tx;
        let stride = self.pool.stride() as usize;
        let max = (self.max_tx.load(Relaxed) as usize).min(tx.frame_size - T2_TX_DATA);
        let nframes = tx.frames();
        let (mut n, mut queued, mut bytes, mut errors) = (0usize, 0usize, 0u64, 0u64);
        let (mut done, mut nd) = ([0u32; 64], 0usize);
        for &h in pkts {
            // Acquire pairs with the kernel's status store after it finished with the frame.
            let st = tx.status(tx.head).load(Acquire);
            if st & (TP_STATUS_SEND_REQUEST | TP_STATUS_SENDING) != 0 {
                break; // ring full: the rest stay the caller's
            }
            if st & TP_STATUS_WRONG_FORMAT != 0 {
                errors += 1;
            }
            n += 1;
            let Some(buf) = self.pool.buf_ptr(h) else {
                errors += 1;
                continue;
            };
            done[nd] = h;
            nd += 1;
            if nd == done.len() {
                qs.cache.free(&done);
                nd = 0;
            }
            // SAFETY: tx_burst hands h to us; its metadata lies in its first 64 bytes.
            match unsafe { netdev::read_tx_meta(buf, stride) } {
                Some((off, len)) if len <= max => {
                    let f = tx.frame(tx.head);
                    // SAFETY: len <= frame_size - T2_TX_DATA; source inside the buffer (read_tx_meta).
                    unsafe {
                        std::ptr::copy_nonoverlapping(buf.add(off), f.add(T2_TX_DATA), len);
                        (f.add(T2_LEN) as *mut u32).write(len as u32);
                    }
                    // Release: the frame's bytes before the status the kernel polls.
                    tx.status(tx.head).store(TP_STATUS_SEND_REQUEST, Release);
                    tx.head = (tx.head + 1) % nframes;
                    queued += 1;
                    bytes += len as u64;
                }
                _ => errors += 1,
            }
        }
        qs.cache.free(&done[..nd]);
        if queued > 0 {
            // One kick per burst; with MSG_DONTWAIT the kernel sends every frame marked and returns.
            // SAFETY: sendto with no buffer on a bound TX_RING socket is the documented kick.
            unsafe { libc::sendto(tx.fd.as_raw_fd(), std::ptr::null(), 0, libc::MSG_DONTWAIT, std::ptr::null(), 0) };
        }
        self.block.count_tx(q, queued as u64, bytes, errors);
        n
    }

    fn close(&self) -> Result<()> {
        // sockets closed (promiscuous mode and fanout membership go with them), rings unmapped, caches flushed
        kernel_port::close_queues(&self.queues, &self.block)
    }

    fn set_port_id(&self, id: u16) {
        self.kern.set_port_id(id);
    }

    fn kernel_info(&self) -> Option<KernelInfo> {
        self.kern.kernel_info(&self.block)
    }
}
