//! The driver's descriptor paths against the `testdev` double: the legacy framing with and
//! without ANY_LAYOUT (framing.rs), MRG_RXBUF frames larger than a buffer (mergeable.rs) and
//! jumbo frames in a pool with a large data room. Every case ends with `pool.audit()` exact.
use super::buffers::DmaBuffers;
use super::hostile::{close_and_audit, BDF};
use super::pool_dma::PoolDma;
use super::spec::{feature::*, ring::*};
use super::testdev::FakeNet;
use super::{Config, VirtioNet};
use crate::bind::Route;
use crate::mem::region::{HugePolicy, LockPolicy};
use crate::mempool::{Pool, PoolConfig};
use std::sync::Arc;

fn open(offered: u64, legacy: bool, data_room: u32, features_off: u64) -> (FakeNet, VirtioNet<PoolDma>, Arc<Pool>) {
    let pool = Pool::create(&PoolConfig {
        name: "framing".into(),
        n_bufs: 512,
        data_room,
        huge: HugePolicy::Never,
        lock: LockPolicy::BestEffort,
        ..Default::default()
    })
    .unwrap();
    let dma = PoolDma::new(pool.clone(), Route::Vfio).unwrap();
    let (dev, t) = FakeNet::with_features(64, offered, legacy);
    let cfg = Config { ring_size: 64, promisc: None, event_idx: false, features_off, ..Config::default() };
    let net = VirtioNet::with_transport(BDF.parse().unwrap(), t, &cfg, dma).unwrap();
    (dev, net, pool)
}

fn frame(len: usize, seed: u32) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(31).wrapping_add(seed) as u8).collect()
}

/// A header of `hdr` bytes with num_buffers = `nb` (when the header has the field).
fn header(hdr: usize, nb: u16) -> Vec<u8> {
    let mut h = vec![0u8; hdr];
    if hdr >= 12 {
        h[10..12].copy_from_slice(&nb.to_le_bytes());
    }
    h
}

/// Receive `bytes` (header included) into the oldest RX buffer the device owns, complete it.
fn rx_into(dev: &FakeNet, bytes: &[u8]) -> u16 {
    let head = dev.hold(0).expect("device owns no RX buffer");
    rx_at(dev, head, bytes);
    head
}

/// Receive `bytes` (header included) into RX buffer `head` (held by the caller), complete it.
fn rx_at(dev: &FakeNet, head: u16, bytes: &[u8]) {
    let n = dev.scatter(0, head, bytes);
    assert_eq!(n, bytes.len(), "frame did not fit the buffer");
    dev.complete(0, head as u32, n as u32);
}

/// The device takes the one TX chain the driver made, reads it and completes it: its bytes and
/// descriptor lengths.
fn tx_taken(dev: &FakeNet) -> (Vec<u8>, Vec<u32>) {
    dev.take(1);
    let th = dev.hold(1).expect("the driver made no TX chain");
    let r = dev.gather(1, th);
    dev.complete(1, th as u32, 0);
    r
}

fn tx(net: &mut VirtioNet<PoolDma>, f: &[u8]) {
    let mut h = [0u32; 1];
    assert_eq!(net.pool_mut().alloc_burst(&mut h), 1);
    let off = net.pool().rx_data_off();
    net.pool_mut().set_data(h[0], off, f.len() as u16);
    // SAFETY: f.len() bytes at the data offset are inside the buffer (data room checked by the caller).
    unsafe { std::ptr::copy_nonoverlapping(f.as_ptr(), net.pool().virt(h[0]).add(off as usize), f.len()) };
    assert_eq!(net.tx_burst(0, &h), 1);
}

fn rx_one(net: &mut VirtioNet<PoolDma>) -> Vec<u8> {
    let mut out = [0u32; 4];
    assert_eq!(net.rx_burst(0, &mut out), 1);
    let p = net.pool();
    let (off, len) = (p.data_off(out[0]) as usize, p.data_len(out[0]) as usize);
    // SAFETY: data_off/len were set by rx_burst inside the buffer, which is ours now.
    let v = unsafe { std::slice::from_raw_parts(p.virt(out[0]).add(off), len) }.to_vec();
    net.pool_mut().free_burst(&out[..1]);
    v
}

#[test]
fn legacy_without_any_layout_puts_the_header_in_its_own_descriptor() {
    // §2.7.4.3, §5.1.6.1, §5.1.6.3: a legacy device that does not offer ANY_LAYOUT
    let (dev, mut net, pool) = open(NET_MAC, true, 2048, 0);
    assert_eq!(net.features() & ANY_LAYOUT, 0);
    assert_eq!(dev.take(0), 32, "a 64-entry ring holds 32 two-descriptor buffers");
    let head = dev.hold(0).unwrap();
    let c = dev.chain(0, head);
    assert_eq!(c.len(), 2);
    assert_eq!((c[0].1, c[0].2), (10, DESC_F_WRITE | DESC_F_NEXT), "legacy header without MRG_RXBUF: 10 bytes");
    assert_eq!(c[1].0, c[0].0 + 10, "data right after the header, in the same buffer");
    assert_eq!(c[1].2, DESC_F_WRITE);
    let f = frame(1514, 1);
    let mut bytes = header(10, 0);
    bytes.extend_from_slice(&f);
    rx_at(&dev, head, &bytes);
    assert_eq!(rx_one(&mut net), f, "received byte-exact");
    tx(&mut net, &f);
    let (got, lens) = tx_taken(&dev);
    assert_eq!(lens, vec![10, 1514], "TX: header descriptor, then the packet");
    assert_eq!(&got[10..], &f[..]);
    assert!(got[..10].iter().all(|&b| b == 0));
    close_and_audit(net, &pool, &[]);
}

#[test]
fn legacy_with_any_layout_negotiates_it_and_uses_one_descriptor() {
    let (dev, mut net, pool) = open(NET_MAC | ANY_LAYOUT, true, 2048, 0);
    assert_ne!(net.features() & ANY_LAYOUT, 0);
    assert_ne!(dev.driver_features() & ANY_LAYOUT, 0);
    assert_eq!(dev.take(0), 64);
    let head = dev.hold(0).unwrap();
    assert_eq!(dev.chain(0, head).len(), 1);
    let f = frame(60, 2);
    let mut bytes = header(10, 0);
    bytes.extend_from_slice(&f);
    rx_at(&dev, head, &bytes);
    assert_eq!(rx_one(&mut net), f);
    tx(&mut net, &f);
    assert_eq!(tx_taken(&dev).1, vec![70]);
    close_and_audit(net, &pool, &[]);
    // and a test can refuse it (features_off): back to the split framing
    let (dev, net, pool) = open(NET_MAC | ANY_LAYOUT, true, 2048, ANY_LAYOUT);
    assert_eq!(net.features() & ANY_LAYOUT, 0);
    assert_eq!(dev.take(0), 32);
    close_and_audit(net, &pool, &[]);
}

#[test]
fn a_frame_larger_than_a_buffer_is_dropped_whole_and_counted() {
    // §5.1.6.4: with MRG_RXBUF the device spreads it over num_buffers buffers
    let (dev, mut net, pool) = open(VERSION_1 | NET_MAC | NET_MRG_RXBUF, false, 2048, 0);
    assert_ne!(net.features() & NET_MRG_RXBUF, 0);
    dev.take(0);
    let big = frame(5000, 3);
    let mut first = header(12, 3);
    first.extend_from_slice(&big[..2048]);
    rx_into(&dev, &first);
    // the first buffer alone: dropped, counted, nothing delivered yet
    let mut out = [0u32; 8];
    assert_eq!(net.rx_burst(0, &mut out), 0);
    assert_eq!((net.stats().rx_oversize, net.stats().ierrors), (1, 1));
    // the rest arrives in a later poll; its first bytes happen to look like a header saying 1
    let mut second = header(12, 1);
    second.extend_from_slice(&big[2048..4084]);
    rx_into(&dev, &second);
    rx_into(&dev, &big[4084..]);
    // then a frame that fits
    let ok = frame(1514, 4);
    let mut b = header(12, 1);
    b.extend_from_slice(&ok);
    rx_into(&dev, &b);
    assert_eq!(rx_one(&mut net), ok);
    let s = net.stats();
    assert_eq!((s.rx_oversize, s.ierrors, s.ipackets, s.bad_used), (1, 1, 1, 0));
    // num_buffers 0 is no correct device's: that buffer alone is dropped, as a bad used entry
    dev.take(0);
    rx_into(&dev, &header(12, 0));
    assert_eq!(net.rx_burst(0, &mut out), 0);
    assert_eq!((net.stats().bad_used, net.stats().ierrors), (1, 2));
    close_and_audit(net, &pool, &[]);
}

#[test]
fn jumbo_frames_fit_a_pool_with_a_9216_byte_data_room() {
    let (dev, mut net, pool) = open(VERSION_1 | NET_MAC | NET_MRG_RXBUF, false, 9216, 0);
    dev.take(0);
    let head = dev.hold(0).unwrap();
    let c = dev.chain(0, head);
    assert_eq!(c.len(), 1);
    assert!(c[0].1 as usize >= 12 + 9216, "one buffer offers the whole data room: {}", c[0].1);
    let f = frame(9014, 5);
    let mut bytes = header(12, 1);
    bytes.extend_from_slice(&f);
    rx_at(&dev, head, &bytes);
    assert_eq!(rx_one(&mut net), f, "9014-byte frame (MTU 9000) received whole");
    tx(&mut net, &f);
    let (got, lens) = tx_taken(&dev);
    assert_eq!(lens, vec![12 + 9014]);
    assert_eq!(&got[12..], &f[..]);
    assert_eq!(net.stats().rx_oversize, 0);
    close_and_audit(net, &pool, &[]);
}
