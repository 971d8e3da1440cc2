//! Pools and regions: creation, per-worker views, statistics.
use crate::errors::{closed, invalid, IntoJs};
use crate::registry::{self, Obj};
use crate::shared_views;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use ringway_core::mem::region::{HugePolicy, LockPolicy};
use ringway_core::mempool::{Pool, PoolConfig};

#[napi(object)]
pub struct PoolOptions {
    pub name: Option<String>,
    pub buffers: u32,
    pub data_room: Option<u32>,
    pub headroom: Option<u32>,
    pub cache_size: Option<u32>,
    /// "auto" (default), "require" or "never"
    pub hugepages: Option<String>,
    /// lock ordinary pages with mlock: "best-effort" (default) or "required" (DMA)
    pub lock: Option<String>,
    /// per-buffer ownership states (debug mode, RINGWAY_DEBUG=mbuf)
    pub debug: Option<bool>,
}

#[napi(object)]
pub struct PoolCreated {
    pub id: u32,
    pub bytes: f64,
    pub huge: bool,
    pub locked: bool,
    pub warning: Option<String>,
}

#[napi]
pub fn pool_create(opts: PoolOptions) -> crate::errors::Result<PoolCreated> {
    crate::guard::call("poolCreate", move || {
        let huge = match opts.hugepages.as_deref().unwrap_or("auto") {
            "auto" => HugePolicy::Auto,
            "require" => HugePolicy::Require,
            "never" => HugePolicy::Never,
            o => return Err(invalid(format!("hugepages: '{o}' is not one of auto, require, never"))),
        };
        let lock = match opts.lock.as_deref().unwrap_or("best-effort") {
            "best-effort" => LockPolicy::BestEffort,
            "required" => LockPolicy::Required,
            o => return Err(invalid(format!("lock: '{o}' is not one of best-effort, required"))),
        };
        let d = PoolConfig::default();
        let cfg = PoolConfig {
            name: opts.name.unwrap_or(d.name),
            n_bufs: opts.buffers,
            data_room: opts.data_room.unwrap_or(d.data_room),
            headroom: opts.headroom.unwrap_or(d.headroom),
            cache_size: opts.cache_size.unwrap_or(d.cache_size),
            huge,
            lock,
            debug: opts.debug.unwrap_or(false),
        };
        let pool = Pool::create(&cfg).js()?;
        let r = pool.region();
        let out = PoolCreated {
            id: 0,
            bytes: r.len() as f64,
            huge: r.is_huge(),
            locked: r.is_locked(),
            warning: r.warning().map(str::to_string),
        };
        Ok(PoolCreated { id: registry::insert(Obj::Pool(pool)), ..out })
    })
}

/// Maps the object's region again, at a new address, for the calling thread. Each call is its own
/// mapping (never one pointer behind two buffers); it is unmapped when the buffer is collected
/// (every thread's reference to it, if it was posted on) or, for an ArrayBuffer, when `unmapView`
/// detaches it. A SharedArrayBuffer where this Node has the call (shared_views.rs), else an
/// external ArrayBuffer.
#[napi(ts_return_type = "ArrayBuffer | SharedArrayBuffer")]
pub fn map_view(env: &Env, id: u32) -> crate::errors::Result<Unknown<'_>> {
    crate::guard::call("mapView", move || {
        let obj = registry::get(id).ok_or_else(|| closed(&format!("object {id}")))?;
        let m = obj.region().map_view().js()?;
        let (ptr, len) = (m.as_ptr(), m.len());
        if shared_views::mode() == "shared" {
            let v = shared_views::create(env.raw(), m)
                .map_err(|st| invalid(format!("cannot wrap shared memory in a SharedArrayBuffer (napi status {st})")))?;
            // SAFETY: v is a live value of this env's current scope.
            return Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), v) });
        }
        // SAFETY: ptr..ptr+len is the mapping owned by `m`, which moves into the finalizer and is
        // unmapped only when V8 collects (or we detach) this ArrayBuffer. The pointer is unique to
        // this ArrayBuffer.
        let ab = unsafe { ArrayBuffer::from_external(env, ptr, len, m, |_, m| drop(m)) }
            .map_err(|e| invalid(format!("cannot wrap shared memory in an ArrayBuffer: {e}")))?;
        if !std::ptr::eq(ab.as_ptr(), ptr) {
            return Err(invalid("this Node.js build does not allow external ArrayBuffers (it copied the memory); ringway needs a Node.js without the V8 sandbox".to_string()));
        }
        Ok(ab.to_unknown())
    })
}

/// Releases a view's memory promptly. An ArrayBuffer is detached (its memory becomes
/// inaccessible to JS) and unmapped. A SharedArrayBuffer cannot be detached (other threads may
/// hold it): its range is retired (shared_views::retire: the memfd's pages are let go now, the
/// buffer reads zeros from then on) and unmapped when the last reference is collected.
#[napi]
pub fn unmap_view(env: &Env, #[napi(ts_arg_type = "ArrayBuffer | SharedArrayBuffer")] view: Unknown) -> crate::errors::Result<()> {
    crate::guard::call("unmapView", move || {
        let not_a_view = |e: String| invalid(format!("unmapView takes a view from mapView: {e}"));
        if !view.is_arraybuffer().map_err(|e| not_a_view(e.to_string()))? {
            return match shared_views::retire(env.raw(), view.raw()).map_err(not_a_view)? {
                true => Ok(()),
                false => Err(invalid("unmapView: this SharedArrayBuffer is not a view made by mapView".to_string())),
            };
        }
        // SAFETY: checked above that the value is an ArrayBuffer.
        let ab = unsafe { view.cast::<ArrayBuffer>() }.map_err(|e| not_a_view(e.to_string()))?;
        ab.detach().map_err(|e| invalid(format!("detach failed: {e}")))
    })
}

/// How this process's views are made: "shared" (SharedArrayBuffers) or "external" (external
/// ArrayBuffers); see shared_views.rs and docs/memory-model.md.
#[napi]
pub fn memory_mode() -> &'static str {
    shared_views::mode()
}

fn pool(id: u32) -> crate::errors::Result<std::sync::Arc<Pool>> {
    registry::pool(id, "")
}

#[napi(object)]
pub struct PoolStatsJs {
    pub total: f64,
    pub ring_free: f64,
    pub cached: f64,
    pub in_use: f64,
    pub allocs: f64,
    pub frees: f64,
    pub alloc_fail: f64,
    pub bad_handles: f64,
    pub double_frees: f64,
    pub users: u32,
}

#[napi]
pub fn pool_stats(id: u32) -> crate::errors::Result<PoolStatsJs> {
    crate::guard::call("poolStats", move || {
        let s = pool(id)?.stats();
        Ok(PoolStatsJs {
            total: s.total as f64,
            ring_free: s.ring_free as f64,
            cached: s.cached as f64,
            in_use: s.in_use as f64,
            allocs: s.allocs as f64,
            frees: s.frees as f64,
            alloc_fail: s.alloc_fail as f64,
            bad_handles: s.bad_handles as f64,
            double_frees: s.double_frees as f64,
            users: s.users,
        })
    })
}

#[napi(object)]
pub struct AuditJs {
    pub missing: u32,
    pub duplicates: u32,
}

#[napi]
pub fn pool_audit(id: u32) -> crate::errors::Result<AuditJs> {
    crate::guard::call("poolAudit", move || {
        let (missing, duplicates) = pool(id)?.audit();
        Ok(AuditJs { missing, duplicates })
    })
}

#[napi]
pub fn pool_claim_user(id: u32) -> crate::errors::Result<u32> {
    crate::guard::call("poolClaimUser", move || Ok(pool(id)?.claim_user().js()? as u32))
}

/// Returns a user's cached buffers to the shared ring and frees its slot (also used to reclaim
/// the cache of a worker that crashed).
#[napi]
pub fn pool_release_user(id: u32, slot: u32) -> crate::errors::Result<()> {
    crate::guard::call("poolReleaseUser", move || pool(id)?.release_user(slot as usize).js())
}

/// Reads a byte of a pool buffer through the core's own (primary) mapping: lets tests prove
/// that Rust sees what a worker wrote in place.
#[napi]
pub fn pool_read_bytes(id: u32, handle: u32, offset: u32, len: u32) -> crate::errors::Result<Buffer> {
    crate::guard::call("poolReadBytes", move || {
        let p = pool(id)?;
        let base = p.buf_ptr(handle).ok_or_else(|| invalid(format!("handle {handle} is not a buffer of pool {id}")))?;
        if offset as usize + len as usize > p.stride() as usize {
            return Err(invalid("read past the buffer end"));
        }
        // SAFETY: range checked against the buffer stride; buffer lies inside the live region.
        let s = unsafe { std::slice::from_raw_parts(base.add(offset as usize), len as usize) };
        Ok(s.to_vec().into())
    })
}

/// Physical address of a pool buffer via pagemap (root only) — what a uio NIC would be given.
#[napi]
pub fn pool_phys_addr(id: u32, handle: u32) -> crate::errors::Result<f64> {
    crate::guard::call("poolPhysAddr", move || {
        let p = pool(id)?;
        let base = p.buf_ptr(handle).ok_or_else(|| invalid(format!("handle {handle} is not a buffer of pool {id}")))?;
        Ok(ringway_core::mem::iova::phys_addr(base as usize).js()? as f64)
    })
}

/// Drops the registry's reference; live views keep their mappings until released.
#[napi]
pub fn object_close(id: u32) -> crate::errors::Result<bool> {
    crate::guard::call("objectClose", move || Ok(registry::remove(id).is_some()))
}

#[napi(object)]
pub struct DebugOwnerJs {
    pub handle: u32,
    /// user slot that took it (64 = none)
    pub slot: u32,
    pub tid: u32,
}

/// Debug-mode pools: every buffer handed out and not returned, with the slot and thread that
/// took it. ERR_RINGWAY_INVALID_ARGUMENT for a pool made without debug mode.
#[napi]
pub fn pool_debug_in_use(id: u32) -> crate::errors::Result<Vec<DebugOwnerJs>> {
    crate::guard::call("poolDebugInUse", move || {
        let p = pool(id)?;
        if !p.debug() {
            return Err(invalid(format!(
                "pool {id} was created without debug mode; create it with {{ debug: true }} or RINGWAY_DEBUG=mbuf"
            )));
        }
        Ok(p.debug_in_use().into_iter().map(|o| DebugOwnerJs { handle: o.handle, slot: o.slot, tid: o.tid }).collect())
    })
}

/// The calling thread's kernel thread id (what pool user slots and queue claims record).
#[napi]
pub fn thread_id() -> u32 {
    crate::ports::tid()
}

/// Test hook: panics inside a native call, so tests can show that a panic becomes
/// ERR_RINGWAY_INTERNAL (crates/node/src/guard.rs) instead of aborting the process.
#[napi]
pub fn debug_panic(what: String) -> crate::errors::Result<()> {
    crate::guard::call("debugPanic", move || panic!("debugPanic: {what}"))
}
