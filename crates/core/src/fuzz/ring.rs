//! The ring over a shared layout a hostile (or crashed) peer scribbled on: the input is a
//! program of enqueues and dequeues (SP/MP, SC/MC, burst/bulk) interleaved with stores of any
//! value into any header word. Never panics, never hangs (the MP/MC waits for an impossible tail
//! must end), never touches memory outside the ring (slots are masked; the allocation is exactly
//! ring_bytes), never returns more than asked. While nobody has scribbled, it is a FIFO: a model
//! VecDeque must agree with every result.
use super::{run, sig, Bytes};
use crate::ring::layout::*;
use crate::ring::Ring;
use std::alloc::{alloc_zeroed, dealloc, Layout};
use std::collections::VecDeque;

const HDR_WORDS: [usize; 13] = [
    RING_OFF_MAGIC,
    RING_OFF_VERSION,
    RING_OFF_CAPACITY,
    RING_OFF_MASK,
    RING_OFF_FLAGS,
    RING_OFF_PROD_HEAD,
    RING_OFF_PROD_TAIL,
    RING_OFF_CONS_HEAD,
    RING_OFF_CONS_TAIL,
    RING_OFF_WAKE_SEQ,
    RING_OFF_WAITERS,
    RING_OFF_PROD_WAITERS,
    RING_OFF_SPACE_SEQ,
];

fn one(b: &[u8]) -> u64 {
    let mut r = Bytes::new(b);
    let cap = 1u32 << (r.u8() % 7);
    let layout = Layout::from_size_align(ring_bytes(cap), 128).unwrap();
    // SAFETY: non-zero size, freed below with the same layout.
    let mem = unsafe { alloc_zeroed(layout) };
    assert!(!mem.is_null());
    // SAFETY: zeroed, 128-aligned, ring_bytes(cap) long, ours alone.
    let ring = unsafe { Ring::init(mem, cap, 0) }.unwrap();
    let mut model: VecDeque<u32> = VecDeque::new();
    let mut scribbled = false;
    let (mut ops, mut moved, mut refused, mut corrupt_seen) = (0u64, 0u64, 0u64, 0u64);
    let mut buf = vec![0u32; 2 * cap as usize + 1];
    let mut next = 1u32;
    while !r.done() && ops < 256 {
        ops += 1;
        let op = r.u8();
        let n = (r.u8() as usize) % buf.len();
        let (bulk, multi) = (op & 0x10 != 0, op & 0x20 != 0);
        match op % 4 {
            0 | 1 => {
                for x in buf.iter_mut().take(n) {
                    *x = next;
                    next += 1;
                }
                let k = ring.enqueue(&buf[..n], bulk, multi);
                assert!(k <= n && (!bulk || k == 0 || k == n));
                if !scribbled {
                    let room = cap as usize - model.len();
                    let want = if bulk {
                        if n <= room {
                            n
                        } else {
                            0
                        }
                    } else {
                        n.min(room)
                    };
                    assert_eq!(k, want, "enqueue of {n} (bulk {bulk}) into {}/{cap}", model.len());
                    model.extend(&buf[..k]);
                }
                moved += k as u64;
                refused += (k == 0 && n > 0) as u64;
            }
            2 => {
                let k = ring.dequeue(&mut buf[..n], bulk, multi);
                assert!(k <= n && (!bulk || k == 0 || k == n));
                if !scribbled {
                    let want = if bulk {
                        if n <= model.len() {
                            n
                        } else {
                            0
                        }
                    } else {
                        n.min(model.len())
                    };
                    assert_eq!(k, want, "dequeue of {n} (bulk {bulk}) from {}", model.len());
                    for &x in &buf[..k] {
                        assert_eq!(Some(x), model.pop_front(), "FIFO order");
                    }
                }
                moved += k as u64;
            }
            _ => {
                let w = HDR_WORDS[r.u8() as usize % HDR_WORDS.len()];
                let v = match r.u8() % 4 {
                    0 => r.u32(),
                    // near the current value: the scribbles most likely to slip past checks
                    // SAFETY: w is a 4-aligned header offset inside the allocation.
                    k => unsafe { (mem.add(w) as *const u32).read() }.wrapping_add((k as u32).wrapping_mul(cap).wrapping_sub(cap / 2)),
                };
                // SAFETY: as above; a plain store, as a hostile worker's would be.
                unsafe { (mem.add(w) as *mut u32).write(v) };
                scribbled = true;
                let _ = ring.count();
                let _ = ring.free_count();
            }
        }
        corrupt_seen = crate::ring::ring::corrupt_events().min(1);
    }
    // SAFETY: allocated above with this layout; no view outlives this function.
    unsafe { dealloc(mem, layout) };
    let bucket = |v: u64| 64 - v.leading_zeros() as u64;
    sig(&[cap as u64, scribbled as u64, bucket(moved), bucket(refused), bucket(ops), corrupt_seen])
}

#[test]
fn fuzz_ring_scribble() {
    crate::ring::ring::set_stall_timeout(std::time::Duration::from_millis(2));
    run("ring_scribble", 10_000, one);
}
