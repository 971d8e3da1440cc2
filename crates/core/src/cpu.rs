//! Pinning the calling thread to CPUs: DPDK's lcore affinity (`rte_thread_set_affinity`, the
//! `-l` list). A busy-polling worker that the scheduler moves from one CPU to another loses its
//! L1/L2 contents and its place in the run queue with each move; testpmd's forwarding lcore never
//! moves. The trade-off is the usual one: a pinned thread cannot escape a CPU that something else
//! is hogging, so pinning is an option (the supervisor's `cpus`), never the default.
use crate::error::{Error, Result};

/// The largest CPU number a `cpu_set_t` holds (glibc's CPU_SETSIZE).
const SET_SIZE: usize = 1024;

fn mask_to_list(set: &libc::cpu_set_t) -> Vec<usize> {
    // SAFETY: CPU_ISSET reads bit `c` of a fully initialised cpu_set_t; c < CPU_SETSIZE.
    (0..SET_SIZE).filter(|&c| unsafe { libc::CPU_ISSET(c, set) }).collect()
}

fn get(pid: libc::pid_t) -> Result<Vec<usize>> {
    // SAFETY: cpu_set_t is plain data (an array of words); all zeroes is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size passed.
    let r = unsafe { libc::sched_getaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if r != 0 {
        return Err(Error::os("sched_getaffinity"));
    }
    Ok(mask_to_list(&set))
}

/// CPUs the calling thread may run on now.
pub fn thread_cpus() -> Result<Vec<usize>> {
    get(0)
}

/// CPUs the process's main thread may run on: what a worker may be pinned to (the cgroup's
/// cpuset and any taskset the process was started under).
pub fn process_cpus() -> Result<Vec<usize>> {
    // SAFETY: getpid has no preconditions.
    get(unsafe { libc::getpid() })
}

/// "0-3,6": a CPU list as the kernel and taskset write it.
pub fn format_list(cpus: &[usize]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        out.push(if j > i { format!("{}-{}", cpus[i], cpus[j]) } else { cpus[i].to_string() });
        i = j + 1;
    }
    out.join(",")
}

/// Pins the calling thread to `cpus` (sched_setaffinity on thread id 0 = the caller). Every CPU
/// must be one the process may use; the error names the ones that are not and the ones that are.
pub fn pin_current_thread(cpus: &[usize]) -> Result<()> {
    if cpus.is_empty() {
        return Err(Error::InvalidArgument("cpus: an empty list; give at least one CPU number, e.g. [1]".into()));
    }
    let allowed = process_cpus()?;
    let bad: Vec<usize> = cpus.iter().copied().filter(|c| !allowed.contains(c)).collect();
    if !bad.is_empty() {
        return Err(Error::InvalidArgument(format!(
            "cpus: {} not available to this process (it may use {}); pick from those",
            format_list(&bad),
            format_list(&allowed)
        )));
    }
    // SAFETY: as in get(): an all-zero cpu_set_t is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        // SAFETY: c is in `allowed`, which mask_to_list bounded by CPU_SETSIZE.
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed; pid 0 is the calling thread.
    let r = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if r != 0 {
        return Err(Error::os(format!("sched_setaffinity to CPUs {}", format_list(cpus))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_format_like_the_kernel() {
        assert_eq!(format_list(&[0, 1, 2, 3, 6]), "0-3,6");
        assert_eq!(format_list(&[1]), "1");
        assert_eq!(format_list(&[]), "");
    }

    #[test]
    fn pins_a_thread_and_refuses_what_the_process_cannot_use() {
        let allowed = process_cpus().unwrap();
        let last = *allowed.last().unwrap();
        std::thread::spawn(move || {
            pin_current_thread(&[last]).unwrap();
            assert_eq!(thread_cpus().unwrap(), vec![last]);
        })
        .join()
        .unwrap();
        let e = pin_current_thread(&[SET_SIZE + 5]).unwrap_err();
        assert_eq!(e.code(), "ERR_RINGWAY_INVALID_ARGUMENT");
        assert!(e.to_string().contains("not available"), "{e}");
        assert!(pin_current_thread(&[]).is_err());
    }
}
