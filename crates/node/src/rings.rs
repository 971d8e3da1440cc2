//! Rings: standalone ring regions, the futex slow path for JS users, and a Rust-core relay
//! thread (the native participant in ring exchanges).
use crate::errors::{closed, invalid, IntoJs, Result};
use crate::registry::{self, Obj};
use napi_derive::napi;
use ringway_core::mem::region::{HugePolicy, LockPolicy, Region};
use ringway_core::ring::{layout::ring_bytes, Ring};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Creates a region holding one ring (at offset 0) of `capacity` slots; returns its id.
#[napi]
pub fn ring_create(capacity: u32, name: Option<String>) -> Result<u32> {
    if !capacity.is_power_of_two() {
        return Err(invalid(format!("ring capacity {capacity} must be a power of two (e.g. 1024)")));
    }
    let name = name.unwrap_or_else(|| "ring".into());
    let region = Region::create(&name, ring_bytes(capacity), HugePolicy::Never, LockPolicy::BestEffort).js()?;
    // SAFETY: the fresh region is page-aligned and ring_bytes(capacity) long; nobody else sees it yet.
    unsafe { Ring::init(region.as_ptr(), capacity, 0) }.js()?;
    Ok(registry::insert(Obj::Region(Arc::new(region))))
}

/// The ring at `offset` in object `id`, through the core's primary mapping; the Arc keeps the
/// memory alive while the ring is used.
fn ring_at(id: u32, offset: u32) -> Result<(Obj, Ring)> {
    let obj = registry::get(id).ok_or_else(|| closed(&format!("ring object {id}")))?;
    let r = obj.region();
    if offset as usize >= r.len() || !offset.is_multiple_of(128) {
        return Err(invalid(format!("ring offset {offset} is outside object {id} or not 128-aligned")));
    }
    // SAFETY: offset is inside the region; attach() validates the header against the length left.
    let ring = unsafe { Ring::attach(r.as_ptr().add(offset as usize), r.len() - offset as usize) }.js()?;
    Ok((obj, ring))
}

/// Slow path of a JS consumer (writable=false) or producer (writable=true): spins, then sleeps on
/// the ring's futex until the other side moves or `timeout_ms` passes. Returns entries (or free
/// slots) available. Blocks the calling thread: call it from workers, not the main thread.
#[napi]
pub fn ring_wait(id: u32, offset: u32, writable: bool, spin: u32, timeout_ms: u32) -> Result<u32> {
    let (_keep, ring) = ring_at(id, offset)?;
    let t = Duration::from_millis(timeout_ms as u64);
    Ok(if writable { ring.wait_writable(spin, t) } else { ring.wait_readable(spin, t) })
}

/// Wakes whoever sleeps on the ring (called by JS after it saw a non-zero waiters word).
#[napi]
pub fn ring_wake(id: u32, offset: u32) -> Result<()> {
    let (_keep, ring) = ring_at(id, offset)?;
    ring.wake_all();
    Ok(())
}

/// The doorbell barrier mode, fixed for the process on first use (core ring/barrier.rs):
/// "asymmetric" (membarrier registered: publishers need only a compiler barrier) or "seqcst".
#[napi]
pub fn ring_barrier_mode() -> String {
    if ringway_core::ring::barrier::init() { "asymmetric".into() } else { "seqcst".into() }
}

struct Relay {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(f64, f64)>,
}

fn relays() -> &'static Mutex<HashMap<u32, Relay>> {
    static R: OnceLock<Mutex<HashMap<u32, Relay>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Starts a core thread that moves descriptors from one ring to another in bursts, sleeping on
/// the futex when idle. With `check_seq` it counts descriptors that break the sequence 0,1,2,...
#[napi]
pub fn relay_start(src_id: u32, src_off: u32, dst_id: u32, dst_off: u32, burst: u32, check_seq: bool) -> Result<u32> {
    let (keep_s, src) = ring_at(src_id, src_off)?;
    let (keep_d, dst) = ring_at(dst_id, dst_off)?;
    let burst = burst.clamp(1, 1024) as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let thread = std::thread::Builder::new()
        .name("ringway-relay".into())
        .spawn(move || {
            let _keep = (keep_s, keep_d);
            let mut buf = vec![0u32; burst];
            let (mut moved, mut bad, mut expect) = (0f64, 0f64, 0u32);
            loop {
                let n = src.dequeue(&mut buf, false, false);
                if n == 0 {
                    // Acquire: pairs with relay_stop's Release store.
                    if stop2.load(Ordering::Acquire) && src.count() == 0 {
                        break;
                    }
                    src.wait_readable(256, Duration::from_millis(20));
                    continue;
                }
                if check_seq {
                    for &d in &buf[..n] {
                        if d != expect { bad += 1.0; }
                        expect = d.wrapping_add(1);
                    }
                }
                let mut done = 0;
                while done < n {
                    done += dst.enqueue(&buf[done..n], false, false);
                    if done < n {
                        if stop2.load(Ordering::Acquire) { break; }
                        dst.wait_writable(256, Duration::from_millis(20));
                    }
                }
                moved += done as f64;
            }
            (moved, bad)
        })
        .map_err(|e| invalid(format!("cannot start relay thread: {e}")))?;
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    relays().lock().unwrap().insert(id, Relay { stop, thread });
    Ok(id)
}

#[napi(object)]
pub struct RelayResult {
    pub moved: f64,
    pub out_of_order: f64,
}

/// Stops a relay after it drained its source ring; returns what it moved.
#[napi]
pub fn relay_stop(id: u32) -> Result<RelayResult> {
    let r = relays().lock().unwrap().remove(&id).ok_or_else(|| closed(&format!("relay {id}")))?;
    // Release: pairs with the relay thread's Acquire load.
    r.stop.store(true, Ordering::Release);
    let (moved, out_of_order) = r.thread.join().map_err(|_| invalid("relay thread panicked"))?;
    Ok(RelayResult { moved, out_of_order })
}
