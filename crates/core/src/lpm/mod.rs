//! Burst lookups over an LPM table that TypeScript maintains (layout.rs): the data-path half of
//! src/apps/nf/lpm.ts. One call per burst. A burst lookup is bound by how many of its independent
//! cache misses are in flight at once. A JS loop has about four times the instructions per address
//! of this one (TurboFan re-checks each typed array's map, length and data pointer inside the
//! loop), so fewer iterations fit the CPU's reorder window and fewer misses overlap; here the
//! first-level entries of the whole burst are prefetched before any is used, so the overlap is the
//! memory system's, not the window's (docs/benchmarks.md, lpm-lookup).
//!
//! Never panics: an index outside the table (a corrupt entry) reads as "no route".
pub mod layout;

use layout::{LPM4_FIRST_BITS, LPM_GROUP_BIT, LPM_LOW_MASK};

/// What a lookup stores for an address without a route (src/apps/nf/lpm.ts NO_ROUTE).
pub const NO_ROUTE: i32 = -1;

const GROUP: i32 = LPM_GROUP_BIT as i32;
const LOW: i32 = LPM_LOW_MASK as i32;

/// IPv4 (DIR-24-8): `out[i]` = next hop of `ips[i]`, or NO_ROUTE, for i < min(ips, out).
/// Returns how many were looked up: 0 when `table` is smaller than the first level.
///
/// Three passes over the burst, so that its misses overlap as far as the memory system allows,
/// not as far as the loop's instructions fit the reorder window: prefetch every first-level
/// entry, then load them (and prefetch the group entry of those that link a group), then resolve
/// the groups. rte_lpm_lookup_bulk is the one loop of the last two passes.
pub fn lookup4_burst(table: &[i32], ips: &[u32], out: &mut [i32]) -> usize {
    if table.len() < 1 << LPM4_FIRST_BITS {
        return 0;
    }
    let n = ips.len().min(out.len());
    let (ips, out) = (&ips[..n], &mut out[..n]);
    for &ip in ips {
        prefetch(table, (ip >> 8) as usize);
    }
    for (o, &ip) in out.iter_mut().zip(ips) {
        // (ip >> 8) < 2^24 <= table.len(): the compiler drops this bounds check.
        let e = table[(ip >> 8) as usize];
        if e & GROUP != 0 {
            prefetch(table, group_index(e, ip));
        }
        *o = e;
    }
    for (o, &ip) in out.iter_mut().zip(ips) {
        let mut e = *o;
        if e & GROUP != 0 {
            e = table.get(group_index(e, ip)).copied().unwrap_or(0);
        }
        *o = if e < 0 { e & LOW } else { NO_ROUTE };
    }
    n
}

fn group_index(e: i32, ip: u32) -> usize {
    ((((e & LOW) as u32) << 8) | (ip & 0xff)) as usize
}

/// A hint that table[i] will be read soon (no effect past the end, and none off x86_64).
#[inline(always)]
fn prefetch(table: &[i32], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(p) = table.get(i) {
        // SAFETY: a prefetch has no architectural effect (it cannot fault), and p is in bounds.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i32 as *const i8) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (table, i);
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: i32 = i32::MIN;
    fn leaf(nh: i32, depth: i32) -> i32 {
        VALID | (depth << layout::LPM_DEPTH_SHIFT) | nh
    }

    #[test]
    fn first_level_groups_and_misses() {
        let mut t = vec![0i32; (1 << 24) + 2 * 256];
        let base = (1 << 24) / 256; // block number of group 0
        t[0x0a0000] = leaf(7, 24); // 10.0.0.0/24 -> 7
        t[0x0a0001] = GROUP | base; // 10.0.1.0/24 has a group: .5 -> 9, the rest -> 8
        for j in 0..256 {
            t[((base as usize) << 8) + j] = leaf(8, 24);
        }
        t[((base as usize) << 8) + 5] = leaf(9, 32);
        t[0x0a0002] = GROUP | (LOW); // a corrupt link (block out of the table)
        let ips = [0x0a00_0001u32, 0x0a00_0105, 0x0a00_0106, 0x0b00_0000, 0x0a00_0203];
        let mut out = [0i32; 5];
        assert_eq!(lookup4_burst(&t, &ips, &mut out), 5);
        assert_eq!(out, [7, 9, 8, NO_ROUTE, NO_ROUTE]);
        // Shorter of the two slices bounds the burst; a table without a first level does nothing.
        let mut two = [0i32; 2];
        assert_eq!(lookup4_burst(&t, &ips, &mut two), 2);
        assert_eq!(lookup4_burst(&t[..1000], &ips, &mut out), 0);
    }
}
