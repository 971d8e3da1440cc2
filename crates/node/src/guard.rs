//! No Rust panic crosses into Node. Every #[napi] entry point runs its body through `call`, which
//! catches a panic (a ringway bug: a broken invariant, an assert) and turns it into a JS error
//! with the stable code ERR_RINGWAY_INTERNAL naming the call, instead of unwinding into V8 (which
//! Rust turns into an abort of the whole process: every worker, every device left unreset).
//! The raw per-burst callbacks (ports.rs) use `quiet`, which returns a default instead: the hot
//! path never throws. The default panic hook still prints the panic and its location to stderr.
use ringway_core::error::Error as CoreError;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// The error a panic in `name` becomes.
pub fn internal(name: &str, p: &(dyn std::any::Any + Send)) -> napi::Error {
    crate::errors::to_js(CoreError::Internal(format!(
        "internal error in {name}: {}; this is a ringway bug, please report it with this message (the object involved may be unusable; the process goes on)",
        message(p)
    )))
}

/// Runs an entry point's body; a panic becomes ERR_RINGWAY_INTERNAL naming `name`.
/// AssertUnwindSafe: after a caught panic we only report; shared state a panicking body may have
/// left half-updated is behind Mutexes (poisoned, and reported as such by their next user) or in
/// shared memory whose users validate what they read.
pub fn call<T>(name: &str, f: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(internal(name, &*p)))
}

/// For entry points that never throw: a panic returns `dflt`.
pub fn quiet<T>(dflt: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(dflt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_naming_the_call() {
        let e = call::<()>("poolCreate", || panic!("index out of range")).unwrap_err();
        assert!(e.reason.starts_with("ERR_RINGWAY_INTERNAL: internal error in poolCreate: index out of range"), "{}", e.reason);
        assert_eq!(call("x", || Ok(7)).unwrap(), 7);
        assert_eq!(quiet(0u32, || panic!("boom")), 0);
    }
}
