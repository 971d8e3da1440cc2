//! 2 MiB hugepage reservation (`ringway hugepages`, dpdk-hugepages.py's job): the pool of pages
//! the kernel keeps for MAP_HUGETLB / MFD_HUGETLB. Packet pools take them when enough are free.
use crate::error::{Error, Result};

const NR: &str = "/proc/sys/vm/nr_hugepages";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hugepages {
    /// HugePages_Total: reserved 2 MiB pages
    pub total: u64,
    pub free: u64,
    /// hugetlbfs mount points matter to DPDK, not to us (memfd needs none); reported for parity
    pub size_kib: u64,
}

pub fn show() -> Result<Hugepages> {
    let s = std::fs::read_to_string("/proc/meminfo").map_err(|e| Error::Io(format!("read /proc/meminfo: {e}")))?;
    let field = |k: &str| s.lines().find(|l| l.starts_with(k)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()).unwrap_or(0);
    Ok(Hugepages { total: field("HugePages_Total:"), free: field("HugePages_Free:"), size_kib: field("Hugepagesize:") })
}

/// Sets the number of reserved 2 MiB pages to `n` (the kernel may give fewer when memory is
/// fragmented: the result says how many it did).
pub fn reserve(n: u64) -> Result<Hugepages> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(Error::Device(format!("ringway hugepages --reserve writes {NR} and needs root; run it with sudo")));
    }
    std::fs::write(NR, n.to_string()).map_err(|e| Error::Io(format!("write {n} to {NR}: {e}")))?;
    let h = show()?;
    if h.total < n {
        return Err(Error::NoHugepages(format!(
            "asked for {n} hugepages, the kernel reserved {} (memory too fragmented or too small); reserve them \
             early after boot, or on the kernel command line: hugepages={n}",
            h.total
        )));
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    #[test]
    fn show_reads_meminfo() {
        let h = super::show().unwrap();
        assert!(h.free <= h.total);
        assert!(h.size_kib == 0 || h.size_kib >= 2048);
    }
}
