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
use std::ffi::c_void;
use std::sync::OnceLock;

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
    if create_fn().is_some() { "shared" } else { "external" }
}

/// Wraps `len` bytes at `data` as a SharedArrayBuffer whose finalizer drops `owner` (which keeps
/// the memory mapped), on whichever thread V8 frees the last reference. Only called in "shared"
/// mode; on a failing status `owner` is dropped here (no buffer refers to it).
pub fn create<T: Send + 'static>(env: napi_env, data: *mut u8, len: usize, owner: T) -> Result<napi_value, napi_status> {
    let f = create_fn().expect("shared_views::create called in external mode");
    unsafe extern "C" fn finalize<T>(_data: *mut c_void, hint: *mut c_void) {
        // SAFETY: hint is the Box<T> leaked below, handed to V8 once; V8 calls this exactly once.
        drop(unsafe { Box::from_raw(hint.cast::<T>()) });
    }
    let hint = Box::into_raw(Box::new(owner)).cast::<c_void>();
    let mut out: napi_value = std::ptr::null_mut();
    // SAFETY: env is the current call's env; data..data+len stays valid until finalize drops the
    // owner; out is a valid out-pointer.
    let st = unsafe { f(env, data.cast(), len, Some(finalize::<T>), hint, &mut out) };
    if st != napi::sys::Status::napi_ok {
        // SAFETY: V8 did not take the hint (the call failed), so it is still ours to free.
        drop(unsafe { Box::from_raw(hint.cast::<T>()) });
        return Err(st);
    }
    Ok(out)
}
