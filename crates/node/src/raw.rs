//! The few N-API calls a raw callback makes (the per-burst entry points that skip napi-rs's
//! generated wrapper: see ports.rs raw_burst!): read this call's arguments, read one as a u32,
//! return a u32. One place, so every raw callback reads missing or non-numeric arguments the same
//! way (a value the caller picks, never a throw). rings.rs raw_ring_wake still spells these calls
//! out (the ring code is another branch's; it can use these once both land).
use napi::sys::{napi_callback_info, napi_env, napi_value, Status};

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
