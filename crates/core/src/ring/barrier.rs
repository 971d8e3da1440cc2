//! The doorbell's store-load barrier, made asymmetric with membarrier(2).
//!
//! Every publish ends with "store my index, then load the other side's waiters word", and every
//! sleeper does "store waiters, then load the index" (ring.rs `wake_*` / `wait_for`). That is a
//! Dekker pattern: each side needs a full (StoreLoad) barrier between its store and its load, or
//! both can miss each other and the sleeper sleeps on published entries (a lost wake-up).
//!
//! The trade-off: the publisher runs once per burst, the sleeper once per idle period. So the
//! publisher's side pays only a compiler barrier, and the sleeper pays for both with
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`, which returns only after every thread of this
//! process that is running on another CPU has executed a full memory barrier (threads not running
//! got one from their context switch). Then: if a publisher's index store came before that
//! barrier, the sleeper's re-check sees it; if after, the publisher's waiters load comes after
//! the sleeper's announcement and sees it. (The same construction as Linux's
//! Documentation/scheduler/membarrier.rst, liburcu and folly's asymmetric barriers.)
//!
//! In JavaScript the light side matters most: Node 20's V8 does not inline `Atomics.load/store`
//! (each is a ~7.5 ns builtin call), so the TypeScript ring can use plain typed-array accesses
//! for the doorbell when this mode is on (src/ring/ring.ts says which, and why only on x86-64 for
//! the publishing store).
//!
//! Scope: membarrier covers the threads of ONE process. Rings live in memfd regions that only this
//! process maps, so that is every ring user. If registration fails (kernel < 4.14, a seccomp
//! filter), or RINGWAY_RING_BARRIER=seqcst is set, both sides use full fences (the mode is fixed
//! once, before any ring is created or attached, and never changes).
use std::sync::atomic::{compiler_fence, fence, AtomicU8, Ordering::*};

const UNKNOWN: u8 = 0;
const ASYMMETRIC: u8 = 1;
const SEQCST: u8 = 2;
static MODE: AtomicU8 = AtomicU8::new(UNKNOWN);

// linux/membarrier.h (uapi): command bits.
const MEMBARRIER_CMD_QUERY: libc::c_int = 0;
const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

fn membarrier(cmd: libc::c_int) -> libc::c_long {
    // SAFETY: membarrier takes two integers and touches no user memory.
    unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_uint, 0 as libc::c_int) }
}

fn decide() -> u8 {
    if std::env::var("RINGWAY_RING_BARRIER").is_ok_and(|v| v == "seqcst") {
        return SEQCST;
    }
    let supported = membarrier(MEMBARRIER_CMD_QUERY);
    if supported < 0 || supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED as libc::c_long == 0 {
        return SEQCST;
    }
    // Registration is per process and permanent: the expedited command fails with EPERM without it.
    if membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) != 0 {
        return SEQCST;
    }
    ASYMMETRIC
}

/// Fixes the mode (first call decides; later calls return it). True = asymmetric.
pub fn init() -> bool {
    let m = MODE.load(Acquire);
    if m != UNKNOWN {
        return m == ASYMMETRIC;
    }
    let want = decide();
    // AcqRel CAS: pairs with the Acquire load above in other threads; the first decision wins
    // (both would decide the same, but a registered process must never report "seqcst" to one
    // caller and "asymmetric" to another).
    let m = match MODE.compare_exchange(UNKNOWN, want, AcqRel, Acquire) {
        Ok(_) => want,
        Err(cur) => cur,
    };
    m == ASYMMETRIC
}

/// The publisher's side: between "store my index" and "load the waiters word".
#[inline]
pub fn light() {
    // Relaxed: MODE is written once by init(), which every ring init/attach runs first.
    if MODE.load(Relaxed) == ASYMMETRIC {
        compiler_fence(SeqCst);
    } else {
        fence(SeqCst);
    }
}

/// The sleeper's side: between "announce in the waiters word" and "re-check the index".
pub fn heavy() {
    if MODE.load(Relaxed) == ASYMMETRIC {
        // After a successful registration the kernel documents no failure for this command. If
        // one happened anyway, a local fence is all that is left: a wake-up could then be missed
        // and the sleeper would notice only at its timeout (every sleep here has one).
        if membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0 {
            return;
        }
    }
    fence(SeqCst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, AtomicU64};
    use std::sync::Arc;

    /// The store-buffering litmus test (the doorbell's shape): side A stores x then loads y, side B
    /// stores y then loads x; "both loaded 0" is what a lost wake-up needs. Returns how often that
    /// outcome was seen in `rounds` rounds, with `fence_a`/`fence_b` between each side's store and
    /// load. Each round both sides spin until the same TSC deadline, so their stores meet within a
    /// few cycles (as litmus7's timebase mode does).
    #[cfg(target_arch = "x86_64")]
    fn store_buffering(rounds: u32, fence_a: fn(), fence_b: fn()) -> u32 {
        struct S {
            x: AtomicU32,
            y: AtomicU32,
            round: AtomicU32,
            at: AtomicU64,
            done: AtomicU32,
            r: AtomicU32,
        }
        let s = Arc::new(S {
            x: AtomicU32::new(0),
            y: AtomicU32::new(0),
            round: AtomicU32::new(0),
            at: AtomicU64::new(0),
            done: AtomicU32::new(0),
            r: AtomicU32::new(0),
        });
        // SAFETY: rdtsc has no preconditions on x86-64.
        let tsc = || unsafe { core::arch::x86_64::_rdtsc() };
        let s2 = s.clone();
        let b = std::thread::spawn(move || {
            let mut seen = 0;
            for i in 1..=rounds {
                // Acquire: pairs with A's Release of `round` (the reset of x/y and `at` are visible).
                while s2.round.load(Acquire) != i {
                    std::hint::spin_loop();
                }
                let at = s2.at.load(Relaxed);
                while tsc() < at {
                    std::hint::spin_loop();
                }
                s2.y.store(1, Relaxed);
                fence_b();
                let rb = s2.x.load(Relaxed);
                // Acquire: pairs with A's Release of `done` (A's load result in `r`).
                while s2.done.load(Acquire) != i {
                    std::hint::spin_loop();
                }
                if rb == 0 && s2.r.load(Relaxed) == 0 {
                    seen += 1;
                }
                // Release: pairs with A's Acquire wait before it resets x/y for the next round.
                s2.round.store(i | 1 << 31, Release);
            }
            seen
        });
        for i in 1..=rounds {
            s.x.store(0, Relaxed);
            s.y.store(0, Relaxed);
            let at = tsc() + 20_000;
            s.at.store(at, Relaxed);
            // Release: pairs with B's Acquire of `round`.
            s.round.store(i, Release);
            while tsc() < at {
                std::hint::spin_loop();
            }
            s.x.store(1, Relaxed);
            fence_a();
            s.r.store(s.y.load(Relaxed), Relaxed);
            // Release: pairs with B's Acquire of `done`.
            s.done.store(i, Release);
            // Acquire: pairs with B's Release of `round` (B is done with this round).
            while s.round.load(Acquire) != i | 1 << 31 {
                std::hint::spin_loop();
            }
        }
        b.join().unwrap()
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn light_and_heavy_forbid_the_store_buffering_outcome() {
        if !init() {
            eprintln!("skipped: membarrier not registered (RINGWAY_RING_BARRIER=seqcst or kernel without it)");
            return;
        }
        // Control: with compiler barriers only, this machine's store buffers show the outcome (on
        // x86 typically a few in 10^4 rounds); printed, not asserted, as it is up to the hardware.
        let control = store_buffering(50_000, || compiler_fence(SeqCst), || compiler_fence(SeqCst));
        let with = store_buffering(50_000, light, heavy);
        eprintln!("store-buffering outcome: {control} of 50000 rounds with compiler barriers only, {with} with light()/heavy()");
        assert_eq!(with, 0, "light() + heavy() let both sides miss each other's store");
    }

    #[test]
    fn registers_on_this_kernel_and_is_stable() {
        let first = init();
        // The host kernel of this project's CI (Debian 12, 6.1) supports the expedited command.
        assert!(first || std::env::var("RINGWAY_RING_BARRIER").is_ok(), "membarrier registration failed");
        assert_eq!(init(), first);
        heavy();
        light();
    }
}
