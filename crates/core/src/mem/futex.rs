//! Doorbells: a sleeping consumer waits on a u32 in shared memory; the producer wakes it.
//!
//! The futex is the SHARED (non-private) kind on purpose: workers map the same memfd at different
//! virtual addresses, and only a shared futex is keyed on (inode, offset) rather than on the
//! address, so a wake through one mapping reaches a waiter on another. (V8's Atomics.wait is not a
//! futex on the address and is never woken by native code, so JS consumers sleep through here too.)
use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// Sleeps while `*word == expected`, at most `timeout`. Returns early on wake, on a value change, or on
/// a signal: callers always re-check their condition.
pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let ts = timeout.map(|d| libc::timespec { tv_sec: d.as_secs() as libc::time_t, tv_nsec: d.subsec_nanos() as _ });
    let tsp = ts.as_ref().map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: word points to a live, aligned u32 for the duration of the call; FUTEX_WAIT reads it
    // atomically and compares with expected before sleeping.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, tsp, 0usize, 0u32);
    }
}

/// Wakes up to `n` waiters on `word`. Returns how many were woken.
pub fn wake(word: &AtomicU32, n: i32) -> i32 {
    // SAFETY: word points to a live aligned u32; FUTEX_WAKE does not dereference beyond it.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n, 0usize, 0usize, 0u32) as i32 }
}
