//! Rings: standalone ring regions, the futex slow path for JS users, and a Rust-core relay
//! thread (the native participant in ring exchanges).
use crate::errors::{closed, invalid, IntoJs};
use crate::registry::{self, Obj};
use napi::JsValue;
use napi_derive::napi;
use ringway_core::mem::region::{HugePolicy, LockPolicy, Region};
use ringway_core::ring::{layout::ring_bytes, Ring};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Creates a region holding one ring (at offset 0) of `capacity` slots; returns its id.
#[napi]
pub fn ring_create(capacity: u32, name: Option<String>) -> crate::errors::Result<u32> {
    crate::guard::call("ringCreate", move || {
        if !capacity.is_power_of_two() {
            return Err(invalid(format!("ring capacity {capacity} must be a power of two (e.g. 1024)")));
        }
        let name = name.unwrap_or_else(|| "ring".into());
        let region = Region::create(&name, ring_bytes(capacity), HugePolicy::Never, LockPolicy::BestEffort).js()?;
        // SAFETY: the fresh region is page-aligned and ring_bytes(capacity) long; nobody else sees it yet.
        unsafe { Ring::init(region.as_ptr(), capacity, 0) }.js()?;
        Ok(registry::insert(Obj::Region(Arc::new(region))))
    })
}

/// The ring at `offset` in object `id`, through the core's primary mapping; the Arc keeps the
/// memory alive while the ring is used.
fn ring_at(id: u32, offset: u32) -> crate::errors::Result<(Obj, Ring)> {
    let obj = registry::get(id).ok_or_else(|| closed(&format!("ring object {id}")))?;
    let r = obj.region();
    if offset as usize >= r.len() || !offset.is_multiple_of(128) {
        return Err(invalid(format!("ring offset {offset} is outside object {id} or not 128-aligned")));
    }
    // SAFETY: offset is inside the region; attach() validates the header against the length left.
    let ring = unsafe { Ring::attach(r.as_ptr().add(offset as usize), r.len() - offset as usize) }.js()?;
    Ok((obj, ring))
}

/// The ring at `offset` of a JS view (this thread's own mapping of the ring's memfd). No registry
/// lookup and no lock: the view is an argument of the running call, so its memory stays mapped
/// until the call returns (a detached view has no data and is refused). The futexes are the shared
/// kind, keyed on the memfd's (inode, offset), so waiting or waking through this mapping meets the
/// other side whatever mapping it uses (mem/futex.rs).
fn ring_in_view(data: *mut u8, len: usize, offset: u32) -> Option<Ring> {
    if data.is_null() || offset as usize >= len || !offset.is_multiple_of(128) {
        return None;
    }
    // SAFETY: offset is inside the view; attach() validates the header against the length left.
    unsafe { Ring::attach(data.add(offset as usize), len - offset as usize) }.ok()
}

/// The bytes under a typed array over a view (`Ring.i32`, over the whole view from offset 0):
/// (start of its buffer, bytes from there to the array's end). A typed array rather than the view
/// itself because napi_get_arraybuffer_info refuses SharedArrayBuffers (the "shared" memory mode,
/// shared_views.rs) while napi_get_typedarray_info reads either kind without allocating. A
/// detached ArrayBuffer gives a zero-length array (refused by ring_in_view); a non-typed-array None.
///
/// # Safety
/// env and value come from the running N-API call.
unsafe fn typed_array_bytes(env: napi::sys::napi_env, value: napi::sys::napi_value) -> Option<(*mut u8, usize)> {
    use napi::sys::TypedarrayType as T;
    // SAFETY: env/value of the running call (caller's contract).
    let (ty, data, n, off) = unsafe { crate::raw::typed_array(env, value) }?;
    let elem = match ty {
        T::int8_array | T::uint8_array | T::uint8_clamped_array => 1,
        T::int16_array | T::uint16_array => 2,
        T::int32_array | T::uint32_array | T::float32_array => 4,
        _ => 8,
    };
    // data is the array's first element, `off` bytes into its buffer.
    Some((data.wrapping_sub(off), off + n * elem))
}

/// Slow path of a JS consumer (writable=false) or producer (writable=true): spins, then sleeps on
/// the ring's futex until the other side moves or `timeout_ms` passes. Returns entries (or free
/// slots) available. Blocks the calling thread: call it from workers, not the main thread.
#[napi]
pub fn ring_wait(
    env: &napi::Env,
    #[napi(ts_arg_type = "Int32Array")] view: napi::bindgen_prelude::Unknown,
    offset: u32,
    writable: bool,
    spin: u32,
    timeout_ms: f64,
) -> crate::errors::Result<u32> {
    crate::guard::call("ringWait", move || {
        // The view is alive for this call (an argument) and JS cannot run on this thread while we
        // block, so an ArrayBuffer cannot be detached meanwhile (a SharedArrayBuffer never is).
        // SAFETY: env and view of this call.
        let (data, len) = unsafe { typed_array_bytes(env.raw(), view.raw()) }.unwrap_or((std::ptr::null_mut(), 0));
        let ring = ring_in_view(data, len, offset).ok_or_else(|| {
            invalid(format!(
                "no ring at offset {offset} of this view ({len} bytes; detached, not a typed array over a view, or not 128-aligned)"
            ))
        })?;
        // Fractions of a millisecond count (an engine's idle step gives each of its sources a
        // slice, src/pipeline/idle.ts): a u32 truncated 0.5 to 0, which made every wait a
        // membarrier and a return. NaN and negatives are 0; at most a day.
        let t = Duration::from_secs_f64(if timeout_ms > 0.0 { timeout_ms.min(86_400_000.0) / 1000.0 } else { 0.0 });
        Ok(if writable { ring.wait_writable(spin, t) } else { ring.wait_readable(spin, t) })
    })
}

/// Wakes whoever sleeps on the ring (called by JS after it saw a non-zero waiters word). Typed
/// here for binding.d.ts; the export is replaced by raw_ring_wake (ports.rs install_raw_bursts).
#[napi]
pub fn ring_wake(env: &napi::Env, #[napi(ts_arg_type = "Int32Array")] view: napi::bindgen_prelude::Unknown, offset: u32) -> u32 {
    // SAFETY: env and view of this call; the view is alive for the call, as in ring_wait.
    match unsafe { typed_array_bytes(env.raw(), view.raw()) } {
        Some((data, len)) => wake_in_view(data, len, offset),
        None => 0,
    }
}

fn wake_in_view(data: *mut u8, len: usize, offset: u32) -> u32 {
    crate::guard::quiet(0, || match ring_in_view(data, len, offset) {
        Some(r) => {
            r.wake_all();
            1
        }
        None => 0,
    })
}

/// ringWake as a raw N-API callback (typed array over a view, offset) -> 0/1: on the ring hot
/// path (a publish that found a sleeper), so it never throws, takes no lock and allocates nothing;
/// a detached view, a non-typed-array or a bad offset wakes nobody and returns 0.
///
/// # Safety
/// Called by N-API only, with this callback's env and info.
pub unsafe extern "C" fn raw_ring_wake(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
    // SAFETY: env/info of this callback, and the values read from it (a missing argument is
    // undefined: no typed array, no number; a non-number offset is u32::MAX, refused).
    unsafe {
        let [view, off] = crate::raw::args::<2>(env, info);
        let off = crate::raw::u32_arg(env, off, u32::MAX);
        let woke = match typed_array_bytes(env, view) {
            Some((data, len)) => wake_in_view(data, len, off),
            None => 0,
        };
        crate::raw::ret_u32(env, woke)
    }
}

/// The doorbell barrier mode, fixed for the process on first use (core ring/barrier.rs):
/// "asymmetric" (membarrier registered: publishers need only a compiler barrier) or "seqcst".
#[napi]
pub fn ring_barrier_mode() -> crate::errors::Result<String> {
    crate::guard::call("ringBarrierMode", move || {
        Ok({
            if ringway_core::ring::barrier::init() {
                "asymmetric".into()
            } else {
                "seqcst".into()
            }
        })
    })
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
pub fn relay_start(src_id: u32, src_off: u32, dst_id: u32, dst_off: u32, burst: u32, check_seq: bool) -> crate::errors::Result<u32> {
    crate::guard::call("relayStart", move || {
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
                            if d != expect {
                                bad += 1.0;
                            }
                            expect = d.wrapping_add(1);
                        }
                    }
                    let mut done = 0;
                    while done < n {
                        done += dst.enqueue(&buf[done..n], false, false);
                        if done < n {
                            if stop2.load(Ordering::Acquire) {
                                break;
                            }
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
    })
}

#[napi(object)]
pub struct RelayResult {
    pub moved: f64,
    pub out_of_order: f64,
}

/// Stops a relay after it drained its source ring; returns what it moved.
#[napi]
pub fn relay_stop(id: u32) -> crate::errors::Result<RelayResult> {
    crate::guard::call("relayStop", move || {
        let r = relays().lock().unwrap().remove(&id).ok_or_else(|| closed(&format!("relay {id}")))?;
        // Release: pairs with the relay thread's Acquire load.
        r.stop.store(true, Ordering::Release);
        let (moved, out_of_order) = r.thread.join().map_err(|_| invalid("relay thread panicked"))?;
        Ok(RelayResult { moved, out_of_order })
    })
}
