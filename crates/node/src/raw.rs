//! The few N-API calls a raw callback makes (the per-burst entry points that skip napi-rs's
//! generated wrapper: see ports.rs raw_burst!, rings.rs raw_ring_wake, lpm.rs
//! raw_lpm4_lookup_burst): read this call's arguments, read one as a u32 or as a typed array,
//! return a u32. One place, so every raw callback reads missing or wrong arguments the same way
//! (a value the caller picks, never a throw).
use napi::sys::{napi_callback_info, napi_env, napi_typedarray_type, napi_value, Status};

/// This call's first N arguments; N-API fills the ones the caller left out with undefined.
///
/// # Safety
/// `env` and `info` are the running callback's.
#[inline(always)]
pub unsafe fn args<const N: usize>(env: napi_env, info: napi_callback_info) -> [napi_value; N] {
    let mut argc = N;
    let mut argv: [napi_value; N] = [std::ptr::null_mut(); N];
    // SAFETY: env/info of this callback (caller); argv has room for argc values.
    unsafe { napi::sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), std::ptr::null_mut(), std::ptr::null_mut()) };
    argv
}

/// `v` as a u32; `bad` when it is missing or not a number.
///
/// # Safety
/// `env` and `v` come from the running callback (args()).
#[inline(always)]
pub unsafe fn u32_arg(env: napi_env, v: napi_value, bad: u32) -> u32 {
    let mut x = 0u32;
    // SAFETY: env/value of the current callback (caller); x is a valid out pointer.
    let st = unsafe { napi::sys::napi_get_value_uint32(env, v, &mut x) };
    if st == Status::napi_ok {
        x
    } else {
        bad
    }
}

/// The callback's u32 result.
///
/// # Safety
/// `env` is the running callback's.
#[inline(always)]
pub unsafe fn ret_u32(env: napi_env, v: u32) -> napi_value {
    let mut out = std::ptr::null_mut();
    // SAFETY: env of this callback; out is a valid out pointer.
    unsafe { napi::sys::napi_create_uint32(env, v, &mut out) };
    out
}

/// `v` as a typed array: (kind, first element, element count, byte offset of the first element in
/// its buffer); None when it is no typed array or has no data (a detached buffer). Reads either
/// buffer kind (napi_get_arraybuffer_info refuses SharedArrayBuffers) without allocating.
///
/// # Safety
/// `env` and `v` come from the running callback.
#[inline(always)]
pub unsafe fn typed_array(env: napi_env, v: napi_value) -> Option<(napi_typedarray_type, *mut u8, usize, usize)> {
    let (mut ty, mut n, mut data, mut off) = (0, 0usize, std::ptr::null_mut::<std::ffi::c_void>(), 0usize);
    // SAFETY: env/value of the running call (caller's contract); the out pointers are valid; the
    // arraybuffer out pointer may be null (js_native_api.h).
    let st = unsafe { napi::sys::napi_get_typedarray_info(env, v, &mut ty, &mut n, &mut data, std::ptr::null_mut(), &mut off) };
    if st != Status::napi_ok || data.is_null() {
        return None;
    }
    Some((ty, data as *mut u8, n, off))
}
