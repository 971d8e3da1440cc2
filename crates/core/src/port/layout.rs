//! The shared block every port has: identity, link state, per-queue counters (Snabb-style: written
//! by whoever runs the queue, JS or Rust; read by anyone, turned into Prometheus values only at
//! scrape time), and for ports driven natively the per-queue area through which handles cross
//! N-API (so a burst crosses with two numbers, not an array). TS copy: src/port/layout.ts.
//!
//! ```text
//! 0    u32 magic, 4 u32 version, 8 u32 kind (PORT_KIND_*), 12 u32 n_queues
//! 16   u8[6] mac, 24 u32 mtu, 28 u32 link_up, 32 u32 speed_mbps, 36 u32 pool_id
//! 40   u32 mirror_q: queue+1 whose RX bursts are copied into the mirror area, 0 = none
//!      (written by the control server arming a capture; read once per RX burst)
//! PORT_Q_OFF + q * PORT_Q_SIZE: queue q
//!   +0   f64 ipackets  +8 ibytes  +16 imissed  +24 ierrors  +32 rx_nombuf   (rx side writes)
//!   +64  f64 opackets  +72 obytes +80 oerrors                              (tx side writes)
//!   +88  f64 bad       inputs refused at this queue's boundary: a count      (the queue's thread)
//!                      past the handle array, a foreign handle, a burst from a thread that does
//!                      not own the queue
//!   +96  u32 owner     tid of the thread driving this queue, 0 = none (CAS claim; a dead
//!                      owner's claim is taken over)
//!   +100 u32 rx_err    non-zero once RX stopped on an error (native ports; text: portRxError)
//!   +128 f64 hist_rx[PORT_HIST_BUCKETS]  non-empty RX bursts by size: bucket k counts bursts of
//!        2^(k-1)+1 ..= 2^k packets (k = 0: exactly 1), the last bucket everything larger
//!   +224 f64 hist_tx[PORT_HIST_BUCKETS]  the same for TX bursts, by packets accepted
//!   +320 u32 xchg[PORT_XCHG_MAX]   handles crossing N-API (native ports), owner: the queue's thread
//! port_bytes(n): the mirror area (one per port: one queue is captured at a time)
//!   +0 u32 head (bytes written, producer)  +4 u32 tail (bytes read, consumer)
//!   +8 u32 dropped (packets not copied: area full)  +12 u32 snaplen (consumer sets)
//!   +64 u8 data[PORT_MIRROR_BYTES]  records: u32 caplen, u32 origlen, f64 time (ms since
//!        the epoch), bytes, padded to 8; a caplen of 0xffffffff means "continue at offset 0"
//! ```
#![cfg_attr(rustfmt, rustfmt::skip)]

pub const PORT_MAGIC: u32       = 0x5450_5752; // "RWPT"
pub const PORT_VERSION: u32     = 1;
pub const PORT_OFF_KIND: usize  = 8;
pub const PORT_OFF_NQ: usize    = 12;
pub const PORT_OFF_MAC: usize   = 16;
pub const PORT_OFF_MTU: usize   = 24;
pub const PORT_OFF_LINK: usize  = 28;
pub const PORT_OFF_SPEED: usize = 32;
pub const PORT_OFF_POOL: usize  = 36;
pub const PORT_OFF_MIRROR_Q: usize = 40;
pub const PORT_Q_OFF: usize     = 256;
pub const PORT_XCHG_MAX: usize  = 1024;
pub const PORT_HIST_BUCKETS: usize = 12;
pub const PORT_Q_HIST_RX: usize = 128;
pub const PORT_Q_HIST_TX: usize = PORT_Q_HIST_RX + 8 * PORT_HIST_BUCKETS;
pub const PORT_Q_XCHG: usize    = PORT_Q_HIST_TX + 8 * PORT_HIST_BUCKETS;
pub const PORT_Q_SIZE: usize    = PORT_Q_XCHG + 4 * PORT_XCHG_MAX;
pub const PORT_Q_IPACKETS: usize = 0;
pub const PORT_Q_IBYTES: usize  = 8;
pub const PORT_Q_IMISSED: usize = 16;
pub const PORT_Q_IERRORS: usize = 24;
pub const PORT_Q_RX_NOMBUF: usize = 32;
pub const PORT_Q_OPACKETS: usize = 64;
pub const PORT_Q_OBYTES: usize  = 72;
pub const PORT_Q_OERRORS: usize = 80;
pub const PORT_Q_BAD: usize     = 88;
pub const PORT_Q_OWNER: usize   = 96;
pub const PORT_Q_RX_ERR: usize  = 100;
pub const PORT_KIND_NULL: u32   = 1;
pub const PORT_KIND_RING: u32   = 2;
pub const PORT_KIND_PCAP: u32   = 3;
pub const PORT_KIND_VIRTIO: u32 = 4;
pub const PORT_KIND_AF_PACKET: u32 = 5;
pub const PORT_KIND_TAP: u32    = 6;
pub const PORT_KIND_AF_XDP: u32 = 7;
pub const PORT_MAX_QUEUES: usize = 64;
pub const PORT_MIRROR_HEAD: usize = 0;
pub const PORT_MIRROR_TAIL: usize = 4;
pub const PORT_MIRROR_DROPPED: usize = 8;
pub const PORT_MIRROR_SNAPLEN: usize = 12;
pub const PORT_MIRROR_DATA: usize = 64;
pub const PORT_MIRROR_BYTES: usize = 256 * 1024; // a power of two (head/tail wrap as u32)
pub const PORT_MIRROR_REC: usize = 16;           // record header: caplen, origlen, f64 time

/// Where the mirror area starts (after the last queue).
pub const fn port_mirror_off(n_queues: usize) -> usize {
    PORT_Q_OFF + n_queues * PORT_Q_SIZE
}

pub const fn port_bytes(n_queues: usize) -> usize {
    port_mirror_off(n_queues) + PORT_MIRROR_DATA + PORT_MIRROR_BYTES
}

pub fn exported() -> Vec<(&'static str, u32)> {
    vec![
        ("PORT_MAGIC", PORT_MAGIC), ("PORT_VERSION", PORT_VERSION), ("PORT_OFF_KIND", PORT_OFF_KIND as u32),
        ("PORT_OFF_NQ", PORT_OFF_NQ as u32), ("PORT_OFF_MAC", PORT_OFF_MAC as u32), ("PORT_OFF_MTU", PORT_OFF_MTU as u32),
        ("PORT_OFF_LINK", PORT_OFF_LINK as u32), ("PORT_OFF_SPEED", PORT_OFF_SPEED as u32), ("PORT_OFF_POOL", PORT_OFF_POOL as u32),
        ("PORT_Q_OFF", PORT_Q_OFF as u32), ("PORT_XCHG_MAX", PORT_XCHG_MAX as u32), ("PORT_Q_SIZE", PORT_Q_SIZE as u32),
        ("PORT_Q_IPACKETS", PORT_Q_IPACKETS as u32), ("PORT_Q_IBYTES", PORT_Q_IBYTES as u32),
        ("PORT_Q_IMISSED", PORT_Q_IMISSED as u32), ("PORT_Q_IERRORS", PORT_Q_IERRORS as u32),
        ("PORT_Q_RX_NOMBUF", PORT_Q_RX_NOMBUF as u32), ("PORT_Q_OPACKETS", PORT_Q_OPACKETS as u32),
        ("PORT_Q_OBYTES", PORT_Q_OBYTES as u32), ("PORT_Q_OERRORS", PORT_Q_OERRORS as u32),
        ("PORT_Q_BAD", PORT_Q_BAD as u32), ("PORT_Q_OWNER", PORT_Q_OWNER as u32), ("PORT_Q_RX_ERR", PORT_Q_RX_ERR as u32),
        ("PORT_Q_XCHG", PORT_Q_XCHG as u32), ("PORT_KIND_NULL", PORT_KIND_NULL), ("PORT_KIND_RING", PORT_KIND_RING),
        ("PORT_KIND_PCAP", PORT_KIND_PCAP), ("PORT_KIND_VIRTIO", PORT_KIND_VIRTIO),
        ("PORT_MAX_QUEUES", PORT_MAX_QUEUES as u32), ("PORT_OFF_MIRROR_Q", PORT_OFF_MIRROR_Q as u32),
        ("PORT_HIST_BUCKETS", PORT_HIST_BUCKETS as u32), ("PORT_Q_HIST_RX", PORT_Q_HIST_RX as u32),
        ("PORT_Q_HIST_TX", PORT_Q_HIST_TX as u32), ("PORT_MIRROR_HEAD", PORT_MIRROR_HEAD as u32),
        ("PORT_MIRROR_TAIL", PORT_MIRROR_TAIL as u32), ("PORT_MIRROR_DROPPED", PORT_MIRROR_DROPPED as u32),
        ("PORT_MIRROR_SNAPLEN", PORT_MIRROR_SNAPLEN as u32), ("PORT_MIRROR_DATA", PORT_MIRROR_DATA as u32),
        ("PORT_MIRROR_BYTES", PORT_MIRROR_BYTES as u32), ("PORT_MIRROR_REC", PORT_MIRROR_REC as u32),
        ("PORT_KIND_AF_PACKET", PORT_KIND_AF_PACKET), ("PORT_KIND_TAP", PORT_KIND_TAP), ("PORT_KIND_AF_XDP", PORT_KIND_AF_XDP),
    ]
}
