//! The driver against a broken or hostile device (the `testdev` double on the driver's real
//! rings and the core mempool): bad used ids and lengths, repeated ids, used->idx moved backwards
//! or by more than the ring, a device that never completes. What must hold in every case: no
//! access outside the rings (DmaArea's bounds checks would panic), every event counted, and every
//! buffer accounted for (`Pool::audit`), with the queue either recovering or dead with a clear
//! error and the device reset.
use super::buffers::DmaBuffers;
use super::pool_dma::PoolDma;
use super::testdev::FakeNet;
use super::{Config, TransportKind, VirtioNet};
use crate::bind::Route;
use crate::mem::region::{HugePolicy, LockPolicy};
use crate::mempool::{Pool, PoolConfig};
use std::sync::Arc;

pub(crate) const BDF: &str = "0000:00:10.0";

pub(crate) fn open(qmax: u16, event_idx: bool, bufs: u32) -> (FakeNet, VirtioNet<PoolDma>, Arc<Pool>) {
    let pool = Pool::create(&PoolConfig {
        name: "hostile".into(),
        n_bufs: bufs,
        huge: HugePolicy::Never,
        lock: LockPolicy::BestEffort,
        ..Default::default()
    })
    .unwrap();
    // Route::Vfio: buffers get IOVAs from the process's area table (no container needed in a
    // test), which is also what the test double translates device addresses through.
    let dma = PoolDma::new(pool.clone(), Route::Vfio).unwrap();
    let (dev, t) = FakeNet::new(qmax, event_idx);
    let cfg = Config { queue_pairs: 1, ring_size: qmax, promisc: None, transport: TransportKind::Auto, event_idx, ..Config::default() };
    let net = VirtioNet::with_transport(BDF.parse().unwrap(), t, &cfg, dma).unwrap();
    (dev, net, pool)
}

/// Close the driver and prove every buffer is back.
pub(crate) fn close_and_audit(mut net: VirtioNet<PoolDma>, pool: &Pool, held: &[u32]) {
    net.pool_mut().free_burst(held);
    net.close();
    net.pool_mut().flush();
    drop(net);
    assert_eq!(pool.audit(), (0, 0), "missing, duplicated buffers");
}

fn frame(i: u32) -> Vec<u8> {
    let mut f = vec![0u8; 60];
    f[..4].copy_from_slice(&i.to_be_bytes());
    f
}

/// Handles with a `len`-byte packet at the default data offset, ready for tx_burst.
fn tx_bufs(net: &mut VirtioNet<PoolDma>, n: usize) -> Vec<u32> {
    let mut h = vec![0u32; n];
    assert_eq!(net.pool_mut().alloc_burst(&mut h), n);
    let off = net.pool().rx_data_off();
    for (i, &x) in h.iter().enumerate() {
        net.pool_mut().set_data(x, off, 60);
        // SAFETY: 60 bytes at the data offset are inside the buffer, which is ours.
        unsafe { std::ptr::copy_nonoverlapping(frame(i as u32).as_ptr(), net.pool().virt(x).add(off as usize), 60) };
    }
    h
}

#[test]
fn a_correct_device_round_trips_and_closes_whole() {
    let (dev, mut net, pool) = open(16, true, 256);
    assert_eq!(dev.take(0), 16, "RX ring filled at open");
    assert_eq!(dev.notifies(0), 1, "and kicked once (EVENT_IDX: avail_event 0 crossed)");
    for i in 0..10 {
        assert!(dev.deliver(0, &frame(i)));
    }
    let mut got = [0u32; 32];
    let n = net.rx_burst(0, &mut got);
    assert_eq!(n, 10);
    for (i, &h) in got[..n].iter().enumerate() {
        let (off, len) = (net.pool().data_off(h) as usize, net.pool().data_len(h) as usize);
        // SAFETY: the handle is ours and [off, off+len) inside it (set by the driver).
        let b = unsafe { std::slice::from_raw_parts(net.pool().virt(h).add(off), len) };
        assert_eq!(b, &frame(i as u32)[..]);
    }
    assert_eq!(net.tx_burst(0, &got[..n]), n);
    let sent = dev.tx_done(1);
    assert_eq!(sent.len(), 10);
    assert_eq!(sent[3], frame(3));
    net.tx_burst(0, &[]); // reclaims the completions
    let s = net.stats();
    assert_eq!((s.ipackets, s.opackets, s.bad_used, s.bad_idx, s.ierrors), (10, 10, 0, 0, 0));
    assert!(net.health().is_ok());
    close_and_audit(net, &pool, &[]);
    assert_eq!(dev.status(), 0, "closed: device left in reset");
    assert!(!dev.live(0) && !dev.live(1));
}

#[test]
fn bad_ids_lengths_and_repeats_are_counted_and_the_queue_keeps_working() {
    let (dev, mut net, pool) = open(16, false, 256);
    assert_eq!(dev.take(0), 16);
    // a good one, then an id out of range, a length past the buffer, the good id again
    let first = dev.hold(0).unwrap();
    dev.complete(0, first as u32, 60);
    dev.complete(0, 16, 60);
    dev.complete(0, u32::MAX, 60);
    let second = dev.hold(0).unwrap();
    dev.complete(0, second as u32, 1 << 20);
    dev.complete(0, first as u32, 60);
    let mut got = [0u32; 32];
    assert_eq!(net.rx_burst(0, &mut got), 1, "only the first completion is a packet");
    let s = net.stats();
    assert_eq!((s.bad_used, s.ierrors, s.ipackets, s.bad_idx), (4, 4, 1, 0));
    assert!(net.health().is_ok(), "bad entries alone do not kill the queue");
    // the device recovers: what it delivers next arrives
    dev.take(0);
    for i in 0..5 {
        assert!(dev.deliver(0, &frame(100 + i)));
    }
    let n = net.rx_burst(0, &mut got[1..]);
    assert_eq!(n, 5);
    close_and_audit(net, &pool, &got[..6]);
}

#[test]
fn used_idx_moved_backwards_resets_the_device_and_reports_the_port_dead() {
    let (dev, mut net, pool) = open(16, true, 256);
    dev.take(0);
    for i in 0..4 {
        dev.deliver(0, &frame(i));
    }
    let mut got = [0u32; 32];
    assert_eq!(net.rx_burst(0, &mut got), 4);
    let held = tx_bufs(&mut net, 8);
    assert_eq!(net.tx_burst(0, &held[..3]), 3);
    let before = dev.resets();
    dev.set_used_idx(0, dev.used_idx(0).wrapping_sub(2));
    assert_eq!(net.rx_burst(0, &mut got[4..]), 0);
    assert_eq!(dev.resets(), before + 1, "the driver reset the device");
    assert_eq!(dev.status(), 0);
    assert!(!dev.deliver(0, &frame(9)), "a reset device has no rings to write to");
    let e = net.health().unwrap_err();
    assert_eq!(e.code(), "ERR_RINGWAY_DEVICE");
    let m = e.to_string();
    assert!(m.contains(BDF) && m.contains("rx queue 0") && m.contains("from 4 to 2") && m.contains("reopen"), "{m}");
    assert!(!net.link_up());
    // dead: bursts do nothing, the caller keeps what TX refuses
    assert_eq!(net.tx_burst(0, &held[3..]), 0);
    assert_eq!(net.rx_burst(0, &mut got[4..]), 0);
    let s = net.stats();
    assert_eq!((s.bad_idx, s.bad_used), (1, 0));
    // every posted buffer (RX ring and the 3 on TX) came back at the reset
    let mut out = got[..4].to_vec();
    out.extend_from_slice(&held[3..]);
    close_and_audit(net, &pool, &out);
}

#[test]
fn used_idx_jumping_past_the_ring_on_tx_kills_the_queue() {
    let (dev, mut net, pool) = open(8, false, 128);
    let h = tx_bufs(&mut net, 4);
    assert_eq!(net.tx_burst(0, &h), 4);
    dev.take(1);
    dev.set_used_idx(1, 8 + 1); // more completions than the ring has entries
    let more = tx_bufs(&mut net, 2);
    assert_eq!(net.tx_burst(0, &more), 0, "the reclaim at the start of the burst found the break");
    let m = net.health().unwrap_err().to_string();
    assert!(m.contains("tx queue 0") && m.contains("from 0 to 9") && m.contains("4 buffer(s)"), "{m}");
    assert_eq!(dev.status(), 0);
    close_and_audit(net, &pool, &more);
}

#[test]
fn a_device_that_never_completes_fills_the_ring_and_is_counted() {
    let (dev, mut net, pool) = open(8, true, 128);
    let h = tx_bufs(&mut net, 20);
    assert_eq!(net.tx_burst(0, &h), 8);
    assert_eq!(net.tx_burst(0, &h[8..]), 0);
    assert_eq!(net.tx_burst(0, &h[8..]), 0);
    assert_eq!(net.stats().tx_full, 2);
    let mut got = [0u32; 8];
    assert_eq!(net.rx_burst(0, &mut got), 0, "RX: nothing ever arrives, nothing breaks");
    assert!(net.health().is_ok());
    assert_eq!(dev.take(1), 8);
    // close resets the device and takes back the 8 TX and the full RX ring
    close_and_audit(net, &pool, &h[8..]);
    assert_eq!(dev.status(), 0);
}

#[test]
fn no_stray_device_access_in_any_case() {
    // every test above would have panicked in the double on a stray address; this one checks
    // the counter the double keeps for the softer paths (avail entries and RX writes)
    let (dev, mut net, pool) = open(16, true, 256);
    for round in 0..200u32 {
        dev.take(0);
        dev.deliver(0, &frame(round));
        let mut got = [0u32; 4];
        let n = net.rx_burst(0, &mut got);
        let sent = net.tx_burst(0, &got[..n]);
        net.pool_mut().free_burst(&got[sent..n]);
        dev.tx_done(1);
    }
    assert_eq!(dev.stray(), 0);
    close_and_audit(net, &pool, &[]);
}
