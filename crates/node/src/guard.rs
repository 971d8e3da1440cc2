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

/// Runs `f`; a panic becomes the message that names `name` (no napi types here, so the unit
/// test below links without Node).
pub fn catch<T>(name: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    // AssertUnwindSafe: after a caught panic we only report; shared state a panicking body may
    // have left half-updated is behind Mutexes (poisoned, and reported as such by their next
    // user) or in shared memory whose users validate what they read.
    catch_unwind(AssertUnwindSafe(f)).map_err(|p| {
        format!(
            "internal error in {name}: {}; this is a ringway bug, please report it with this message (the object involved may be unusable; the process goes on)",
            message(&*p)
        )
    })
}

/// Runs an entry point's body; a panic becomes ERR_RINGWAY_INTERNAL naming `name`.
pub fn call<T>(name: &str, f: impl FnOnce() -> crate::errors::Result<T>) -> crate::errors::Result<T> {
    catch(name, f).unwrap_or_else(|m| Err(crate::errors::to_js(CoreError::Internal(m))))
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
        let e = catch::<()>("poolCreate", || panic!("index out of range")).unwrap_err();
        assert!(e.starts_with("internal error in poolCreate: index out of range"), "{e}");
        assert_eq!(CoreError::Internal(e).code(), "ERR_RINGWAY_INTERNAL");
        assert_eq!(catch("x", || 7), Ok(7));
        assert_eq!(quiet(0u32, || panic!("boom")), 0);
    }
}
