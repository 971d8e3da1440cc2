//! The LPM burst lookup (core lpm/mod.rs) over typed arrays of the running call: the table
//! (src/apps/nf/lpm.ts keeps it, a plain Int32Array in V8's heap), the addresses and the output.
//! Nothing is registered or kept: the arrays are arguments, so their memory stays put until the
//! call returns (JS cannot run meanwhile; a detached array has no data and is refused).
use napi::sys::{napi_env, napi_typedarray_type, napi_value, TypedarrayType as T};
use napi::JsValue;
use napi_derive::napi;

/// A typed array's elements: (first element, element count), if it is one of `kinds`.
///
/// # Safety
/// env and value come from the running N-API call.
unsafe fn elements(env: napi_env, value: napi_value, kinds: &[napi_typedarray_type]) -> Option<(*mut u8, usize)> {
    // SAFETY: env/value of the running call (caller's contract).
    let (ty, data, n, _) = unsafe { crate::raw::typed_array(env, value) }?;
    kinds.contains(&ty).then_some((data, n))
}

/// lpm4LookupBurst(table, ips, at, out, n): out[i] = next hop of ips[at + i] for i < n; returns n,
/// or 0 (nothing written) when an argument is wrong: not the typed arrays named, a range past an
/// array's end, or `out` overlapping the table or the addresses. Never throws.
///
/// # Safety
/// env and argv come from the running N-API call.
unsafe fn lookup4(env: napi_env, argv: &[napi_value; 5]) -> u32 {
    // SAFETY: env/values of this call; a non-number gives the default (refused below / zero).
    let (at, n) = unsafe { (crate::raw::u32_arg(env, argv[2], u32::MAX), crate::raw::u32_arg(env, argv[4], 0)) };
    // SAFETY: env/values of this call.
    let (t, ips, out) = unsafe {
        (
            elements(env, argv[0], &[T::int32_array]),
            elements(env, argv[1], &[T::uint32_array, T::int32_array]),
            elements(env, argv[3], &[T::int32_array]),
        )
    };
    let (Some((t, tn)), Some((ips, ipn)), Some((out, on))) = (t, ips, out) else { return 0 };
    let (at, n) = (at as usize, n as usize);
    if at.checked_add(n).is_none_or(|end| end > ipn) || n > on {
        return 0;
    }
    let overlaps = |a: *mut u8, an: usize, b: *mut u8, bn: usize| (a as usize) < b as usize + bn && (b as usize) < a as usize + an;
    // SAFETY: at + n <= ipn (checked above), so ips + at * 4 is inside the array (or its end).
    let ips = unsafe { ips.add(at * 4) };
    if overlaps(out, n * 4, t, tn * 4) || overlaps(out, n * 4, ips, n * 4) {
        return 0;
    }
    // SAFETY: each pointer is a live typed array's data for this call (elements()), 4-aligned (a
    // 32-bit typed array's byteOffset is a multiple of 4), with at least the lengths used here;
    // `out` overlaps neither shared slice (checked above), so the &mut is unique.
    let (t, ips, out) = unsafe {
        (
            std::slice::from_raw_parts(t as *const i32, tn),
            std::slice::from_raw_parts(ips as *const u32, n),
            std::slice::from_raw_parts_mut(out as *mut i32, n),
        )
    };
    crate::guard::quiet(0, || ringway_core::lpm::lookup4_burst(t, ips, out) as u32)
}

/// Typed here for binding.d.ts; the export is replaced by raw_lpm4_lookup_burst (ports.rs
/// install_raw_bursts), which skips napi-rs's per-call wrapper.
#[napi]
pub fn lpm4_lookup_burst(
    env: &napi::Env,
    #[napi(ts_arg_type = "Int32Array")] table: napi::bindgen_prelude::Unknown,
    #[napi(ts_arg_type = "Uint32Array | Int32Array")] ips: napi::bindgen_prelude::Unknown,
    at: napi::bindgen_prelude::Unknown,
    #[napi(ts_arg_type = "Int32Array")] out: napi::bindgen_prelude::Unknown,
    n: napi::bindgen_prelude::Unknown,
) -> u32 {
    // SAFETY: env and values of this call.
    unsafe { lookup4(env.raw(), &[table.raw(), ips.raw(), at.raw(), out.raw(), n.raw()]) }
}

/// lpm4LookupBurst as a raw N-API callback (see lookup4).
///
/// # Safety
/// Called by N-API only, with this callback's env and info.
pub unsafe extern "C" fn raw_lpm4_lookup_burst(env: napi_env, info: napi::sys::napi_callback_info) -> napi_value {
    // SAFETY: env/info of this callback and its arguments (N-API fills missing ones with
    // undefined, which every check in lookup4 refuses).
    unsafe {
        let argv = crate::raw::args::<5>(env, info);
        crate::raw::ret_u32(env, lookup4(env, &argv))
    }
}
