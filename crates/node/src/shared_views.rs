//! The Node-API call that wraps native memory as a SharedArrayBuffer,
//! `node_api_create_external_sharedarraybuffer` (nodejs/node#62623; exported by Node 22.23, 24.16
//! and 26, declared under NAPI_EXPERIMENTAL in js_native_api.h). napi-rs does not wrap it, and
//! linking it by name would make the addon fail to load on a Node without it, so it is declared
//! here once and looked up in the running process at first use (dlsym on the process's own
//! symbols, where node's Node-API lives). Where it is missing, views stay external ArrayBuffers.
//!
//! `node_api_create_sharedarraybuffer` (#59071) is not used: it allocates the memory in V8, which
//! is the rejected "JS-allocated memory handed to the core" option of docs/memory-model.md.
use napi::sys::{napi_env, napi_status, napi_value};
use ringway_core::mem::region::Mapping;
use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::{Mutex, OnceLock};

/// js_native_api_types.h `node_api_noenv_finalize`: "can be called from any thread and at any time".
type NoEnvFinalize = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// js_native_api.h: `napi_status node_api_create_external_sharedarraybuffer(napi_env env,
/// void* external_data, size_t byte_length, node_api_noenv_finalize finalize_cb,
/// void* finalize_hint, napi_value* result)`.
type CreateExternalSab =
    unsafe extern "C" fn(napi_env, *mut c_void, usize, Option<NoEnvFinalize>, *mut c_void, *mut napi_value) -> napi_status;

const SYMBOL: &std::ffi::CStr = c"node_api_create_external_sharedarraybuffer";

fn create_fn() -> Option<CreateExternalSab> {
    static F: OnceLock<Option<CreateExternalSab>> = OnceLock::new();
    *F.get_or_init(|| {
        // SAFETY: dlsym with RTLD_DEFAULT searches the global symbols of the process (the node
        // executable exports its Node-API); SYMBOL is a NUL-terminated C string.
        let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, SYMBOL.as_ptr()) };
        if p.is_null() {
            None
        } else {
            // SAFETY: the symbol, when present, has the signature declared in js_native_api.h
            // (CreateExternalSab above); a fn pointer and a data pointer have the same size here.
            Some(unsafe { std::mem::transmute::<*mut c_void, CreateExternalSab>(p) })
        }
    })
}

/// "shared" (views are SharedArrayBuffers) or "external" (external ArrayBuffers), for this process.
pub fn mode() -> &'static str {
    if create_fn().is_some() {
        "shared"
    } else {
        "external"
    }
}

/// Live SharedArrayBuffer views of this process: data address -> the `Box<Mapping>` their
/// finalizer owns, so that `retire` can find a view's mapping from the buffer alone.
fn live() -> &'static Mutex<HashMap<usize, usize>> {
    static L: OnceLock<Mutex<HashMap<usize, usize>>> = OnceLock::new();
    L.get_or_init(|| Mutex::new(HashMap::new()))
}

unsafe extern "C" fn finalize(data: *mut c_void, hint: *mut c_void) {
    live().lock().unwrap().remove(&(data as usize));
    // SAFETY: hint is the Box<Mapping> leaked in create(), handed to V8 once; V8 calls this once.
    drop(unsafe { Box::from_raw(hint.cast::<Mapping>()) });
}

/// Wraps the mapping as a SharedArrayBuffer whose finalizer drops it (unmaps), on whichever
/// thread V8 frees the last reference. Only called in "shared" mode; on a failing status the
/// mapping is dropped here (no buffer refers to it).
pub fn create(env: napi_env, m: Mapping) -> Result<napi_value, napi_status> {
    let f = create_fn().expect("shared_views::create called in external mode");
    let (data, len) = (m.as_ptr(), m.len());
    let hint = Box::into_raw(Box::new(m));
    let mut out: napi_value = std::ptr::null_mut();
    // SAFETY: env is the current call's env; data..data+len stays mapped until finalize drops the
    // Mapping; out is a valid out-pointer.
    let st = unsafe { f(env, data.cast(), len, Some(finalize), hint.cast(), &mut out) };
    if st != napi::sys::Status::napi_ok {
        // SAFETY: V8 did not take the hint (the call failed), so it is still ours to free.
        drop(unsafe { Box::from_raw(hint) });
        return Err(st);
    }
    // Registered after the call, not under the lock during it: V8 may collect (and so run other
    // views' finalizers, which take the lock) inside it. This buffer's own finalizer cannot run
    // before: `out` is alive in the caller's scope.
    live().lock().unwrap().insert(data as usize, hint as usize);
    Ok(out)
}

/// Lets go of a SharedArrayBuffer view's pages now (Mapping::retire) instead of at collection.
/// Ok(false) when `sab` is not a live view made by `create` (then nothing is touched).
pub fn retire(env: napi_env, sab: napi_value) -> Result<bool, String> {
    // The buffer's address: napi_get_arraybuffer_info refuses SharedArrayBuffers, a one-byte
    // Uint8Array over it does not.
    let (mut ta, mut data) = (std::ptr::null_mut(), std::ptr::null_mut());
    // SAFETY: env/sab come from the running call; out-pointers are valid; a Uint8Array of one
    // byte at offset 0 is in range of any non-empty buffer (views are never empty).
    let ok = unsafe {
        napi::sys::napi_create_typedarray(env, napi::sys::TypedarrayType::uint8_array, 1, sab, 0, &mut ta) == napi::sys::Status::napi_ok
            && napi::sys::napi_get_typedarray_info(
                env,
                ta,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut data,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            ) == napi::sys::Status::napi_ok
    };
    if !ok {
        return Err("not a SharedArrayBuffer".into());
    }
    let live = live().lock().unwrap();
    let Some(&hint) = live.get(&(data as usize)) else { return Ok(false) };
    // SAFETY: hint is the live Box<Mapping> of this buffer: its finalizer cannot run while we hold
    // `sab` (an argument of this call) and the lock.
    unsafe { &*(hint as *const Mapping) }.retire().map_err(|e| e.to_string())?;
    Ok(true)
}
