//! The virtio driver's used-ring path against a device (the `testdev` double) whose every move
//! comes from the input: correct deliveries and completions mixed with any id, any length, any
//! used->idx, buffers held forever. Never panics (DmaArea bounds checks, the double's address
//! checks), every buffer is accounted for at close (`Pool::audit` (0, 0) with what the test
//! still holds returned), and the device is left in reset.
use super::{run, sig, Bytes};
use crate::virtio::buffers::DmaBuffers;
use crate::virtio::hostile::{close_and_audit, open};

fn one(b: &[u8]) -> u64 {
    let mut r = Bytes::new(b);
    let qmax = 2u16 << (r.u8() % 5);
    let (dev, mut net, pool) = open(qmax, r.u8() & 1 != 0, 256);
    let mut held: Vec<u32> = Vec::new();
    let mut out = [0u32; 64];
    let mut ops = 0;
    while !r.done() && ops < 200 {
        ops += 1;
        let op = r.u8();
        let q = (op >> 7) as u16; // 0 = RX queue, 1 = TX queue
        match op % 8 {
            0 => {
                dev.take(q);
            }
            1 => {
                let n = r.u8() as usize;
                dev.take(0);
                dev.deliver(0, &vec![0xab; n * 8]);
            }
            2 if dev.live(q) => {
                let id = match r.u8() % 3 {
                    0 => dev.hold(q).map_or(0, u32::from),
                    1 => r.u8() as u32 % (qmax as u32 + 2),
                    _ => r.u32(),
                };
                let len = match r.u8() % 3 {
                    0 => r.u8() as u32,
                    1 => 2048 + r.u8() as u32 - 128,
                    _ => r.u32(),
                };
                dev.complete(q, id, len);
            }
            3 if dev.live(q) => {
                let v = match r.u8() % 2 {
                    0 => dev.used_idx(q).wrapping_add((r.u8() as i8) as u16),
                    _ => r.u16(),
                };
                dev.set_used_idx(q, v);
            }
            4 => {
                let n = 1 + r.u8() as usize % out.len();
                let got = net.rx_burst(0, &mut out[..n]);
                assert!(got <= n);
                held.extend_from_slice(&out[..got]);
            }
            5 => {
                let k = (r.u8() as usize).min(held.len());
                let sent = net.tx_burst(0, &held[..k]);
                assert!(sent <= k);
                held.drain(..sent);
            }
            6 if dev.live(1) => {
                dev.tx_done(1);
            }
            7 => {
                let k = (r.u8() as usize).min(held.len());
                let back: Vec<u32> = held.drain(..k).collect();
                net.pool_mut().free_burst(&back);
            }
            _ => {}
        }
    }
    let mut uniq = held.clone();
    uniq.sort_unstable();
    uniq.dedup();
    assert_eq!(uniq.len(), held.len(), "the driver handed out a buffer twice");
    let s = net.stats();
    let dead = net.health().is_err();
    assert_eq!(dead, s.bad_idx > 0);
    assert_eq!(dev.stray(), 0, "the device was given an address outside driver memory");
    close_and_audit(net, &pool, &held);
    assert_eq!(dev.status(), 0);
    let bucket = |v: u64| 64 - v.leading_zeros() as u64;
    sig(&[bucket(s.ipackets), bucket(s.opackets), bucket(s.bad_used), s.bad_idx, bucket(s.tx_full), bucket(s.ierrors), qmax as u64])
}

#[test]
fn fuzz_virtqueue_used() {
    run("virtqueue_used", 1_500, one);
}
