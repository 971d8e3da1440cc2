//! The shared part of a pool: creation, layout, buffer addressing, and accounting.
use super::layout::*;
use crate::error::{Error, Result};
use crate::mem::region::{HugePolicy, LockPolicy, Region};
use crate::mem::HUGE_PAGE;
use crate::ring::{layout::ring_bytes, Ring};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::*};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct PoolConfig {
    pub name: String,
    /// Usable buffers wanted.
    pub n_bufs: u32,
    pub data_room: u32,
    pub headroom: u32,
    pub cache_size: u32,
    pub huge: HugePolicy,
    pub lock: LockPolicy,
    /// Per-buffer ownership states (layout.rs, debug mode): slower, finds double frees and leaks.
    pub debug: bool,
}

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            name: "pool".into(),
            n_bufs: 8192,
            data_room: DEFAULT_DATA_ROOM,
            headroom: DEFAULT_HEADROOM,
            cache_size: DEFAULT_CACHE_SIZE,
            huge: HugePolicy::Auto,
            lock: LockPolicy::BestEffort,
            debug: false,
        }
    }
}

/// A debug-mode finding: which buffer, what went wrong, and who did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugOwner {
    pub handle: u32,
    /// user slot of the last transition (POOL_MAX_USERS = none yet)
    pub slot: u32,
    pub tid: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    pub total: u64,
    /// In the shared free ring.
    pub ring_free: u64,
    /// In users' caches (free, but private to a user until flushed).
    pub cached: u64,
    /// Handed out and not returned (sum over users of allocs - frees).
    pub in_use: i64,
    pub allocs: u64,
    pub frees: u64,
    pub alloc_fail: u64,
    /// Handles refused on free because they name no buffer of this pool.
    pub bad_handles: u64,
    /// Frees refused as double frees (see layout.rs POOL_U_DOUBLE_FREES).
    pub double_frees: u64,
    pub users: u32,
}

pub struct Pool {
    region: Arc<Region>,
    ring: Ring,
    n_bufs: u32,
    n_slots: u32,
    stride: u32,
    headroom: u32,
    data_room: u32,
    buf_base: usize,
    cache_size: u32,
    debug: bool,
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// Whether buffer slot `i` lies within one 2 MiB unit of the region.
fn slot_usable(buf_base: usize, stride: usize, i: usize) -> bool {
    let start = buf_base + i * stride;
    start / HUGE_PAGE == (start + stride - 1) / HUGE_PAGE
}

impl Pool {
    pub fn create(cfg: &PoolConfig) -> Result<Arc<Pool>> {
        let name = &cfg.name;
        if cfg.n_bufs == 0 || cfg.n_bufs > (1 << 24) {
            return Err(Error::InvalidArgument(format!("pool '{name}': {} buffers is out of range; use 1 .. 16777216", cfg.n_bufs)));
        }
        if cfg.data_room < 64 || cfg.data_room > 65535 - 64 - cfg.headroom.min(65535) || cfg.headroom > 4096 {
            return Err(Error::InvalidArgument(format!(
                "pool '{name}': data room {} / headroom {} out of range; data room 64..65000 bytes and headroom \
                 0..4096 with metadata+headroom+data under 64 KiB (default 2048 + 128)",
                cfg.data_room, cfg.headroom
            )));
        }
        if cfg.cache_size as usize * 3 / 2 + 256 > POOL_CACHE_MAX {
            return Err(Error::InvalidArgument(format!(
                "pool '{name}': cache size {} is too large; at most {}",
                cfg.cache_size,
                (POOL_CACHE_MAX - 256) * 2 / 3
            )));
        }
        let stride = align(META_SIZE + cfg.headroom as usize + cfg.data_room as usize, 64);
        if stride > HUGE_PAGE {
            return Err(Error::InvalidArgument(format!("pool '{name}': buffers of {stride} bytes exceed 2 MiB")));
        }
        let ring_cap = cfg.n_bufs.next_power_of_two();
        let ring_off = align(POOL_USERS_OFF + POOL_MAX_USERS * POOL_USER_SIZE, 128);
        let buf_base = align(ring_off + ring_bytes(ring_cap), 4096);
        // Count slots until n_bufs usable ones are laid out.
        let per_unit = HUGE_PAGE / stride; // usable slots per 2 MiB, roughly; refined by the loop
        let mut n_slots = (cfg.n_bufs as usize) + (cfg.n_bufs as usize / per_unit.max(1)) + 2;
        while (0..n_slots).filter(|&i| slot_usable(buf_base, stride, i)).count() > cfg.n_bufs as usize {
            n_slots -= 1;
        }
        let bytes = buf_base + n_slots * stride;
        if bytes as u64 > POOL_MAX_BYTES {
            return Err(Error::InvalidArgument(format!(
                "pool '{name}': {} MiB exceeds the 4 GiB a pool may span; use fewer or smaller buffers",
                bytes >> 20
            )));
        }
        let region = Arc::new(Region::create(name, bytes, cfg.huge, cfg.lock)?);
        let base = region.as_ptr();
        let w = |off: usize, v: u32| {
            // SAFETY: header offsets are < 512 and 4-aligned inside the fresh region.
            unsafe { (*(base.add(off) as *const AtomicU32)).store(v, Relaxed) }
        };
        w(POOL_HDR_VERSION, POOL_VERSION);
        w(POOL_HDR_N_BUFS, cfg.n_bufs);
        w(POOL_HDR_N_SLOTS, n_slots as u32);
        w(POOL_HDR_STRIDE, stride as u32);
        w(POOL_HDR_HEADROOM, cfg.headroom);
        w(POOL_HDR_DATA_ROOM, cfg.data_room);
        w(POOL_HDR_BUF_BASE, buf_base as u32);
        w(POOL_HDR_RING_OFF, ring_off as u32);
        w(POOL_HDR_CACHE_SIZE, cfg.cache_size);
        w(
            POOL_HDR_FLAGS,
            if region.is_huge() { POOL_F_HUGE } else { 0 }
                | if region.is_locked() { POOL_F_LOCKED } else { 0 }
                | if cfg.debug { POOL_F_DEBUG } else { 0 },
        );
        // SAFETY: ring_off is 128-aligned and ring_bytes(ring_cap) bytes fit before buf_base.
        let ring = unsafe { Ring::init(base.add(ring_off), ring_cap, 0)? };
        let pool = Pool {
            region,
            ring,
            n_bufs: cfg.n_bufs,
            n_slots: n_slots as u32,
            stride: stride as u32,
            headroom: cfg.headroom,
            data_room: cfg.data_room,
            buf_base,
            cache_size: cfg.cache_size,
            debug: cfg.debug,
        };
        let mut batch = Vec::with_capacity(256);
        for i in 0..n_slots {
            if slot_usable(buf_base, stride, i) {
                pool.reset_meta(i as u32);
                if cfg.debug {
                    pool.dbg_word(i as u32, META_DBG).store(META_DBG_FREE | (POOL_MAX_USERS as u32) << 8, Relaxed);
                }
                batch.push(i as u32);
                if batch.len() == 256 {
                    pool.ring.enqueue(&batch, true, false);
                    batch.clear();
                }
            }
        }
        pool.ring.enqueue(&batch, true, false);
        debug_assert_eq!(pool.ring.count(), cfg.n_bufs);
        // Release: pairs with the Acquire magic check of anyone attaching to this region.
        w(POOL_HDR_MAGIC, 0);
        // SAFETY: as for w().
        unsafe { (*(base.add(POOL_HDR_MAGIC) as *const AtomicU32)).store(POOL_MAGIC, Release) };
        Ok(Arc::new(pool))
    }

    pub fn region(&self) -> &Arc<Region> {
        &self.region
    }
    pub fn ring(&self) -> &Ring {
        &self.ring
    }
    pub fn n_bufs(&self) -> u32 {
        self.n_bufs
    }
    pub fn stride(&self) -> u32 {
        self.stride
    }
    pub fn headroom(&self) -> u32 {
        self.headroom
    }
    pub fn data_room(&self) -> u32 {
        self.data_room
    }
    pub fn cache_size(&self) -> u32 {
        self.cache_size
    }
    pub fn debug(&self) -> bool {
        self.debug
    }

    /// A debug word of buffer `h` (META_DBG or META_DBG_TID); h must be valid.
    fn dbg_word(&self, h: u32, off: usize) -> &AtomicU32 {
        debug_assert!(self.valid(h));
        // SAFETY: valid(h) (callers) puts the buffer, and its 64-byte metadata, inside the region;
        // off is 56 or 60, 4-aligned.
        unsafe { &*(self.region.as_ptr().add(self.offset(h) + off) as *const AtomicU32) }
    }

    /// Debug mode: marks `h` USED by `slot`. Returns the previous owner when h was not FREE (it
    /// was handed out twice: someone wrote the free ring behind the checks).
    pub fn dbg_take(&self, h: u32, slot: usize, tid: u32) -> Option<DebugOwner> {
        let w = self.dbg_word(h, META_DBG);
        let prev = w.swap(META_DBG_USED | (slot as u32) << 8, AcqRel);
        let prev_tid = self.dbg_word(h, META_DBG_TID).swap(tid, Relaxed);
        (prev & 0xff != META_DBG_FREE).then_some(DebugOwner { handle: h, slot: (prev >> 8) & 0xff, tid: prev_tid })
    }

    /// Debug mode: marks `h` FREE if it is USED (CAS, so two threads freeing the same buffer
    /// cannot both win). On a double free returns who freed it before and changes nothing.
    pub fn dbg_give(&self, h: u32, slot: usize, tid: u32) -> std::result::Result<(), DebugOwner> {
        let w = self.dbg_word(h, META_DBG);
        let mut cur = w.load(Acquire);
        loop {
            if cur & 0xff != META_DBG_USED {
                return Err(DebugOwner { handle: h, slot: (cur >> 8) & 0xff, tid: self.dbg_word(h, META_DBG_TID).load(Relaxed) });
            }
            match w.compare_exchange(cur, META_DBG_FREE | (slot as u32) << 8, AcqRel, Acquire) {
                Ok(_) => break,
                Err(c) => cur = c,
            }
        }
        self.dbg_word(h, META_DBG_TID).store(tid, Relaxed);
        Ok(())
    }

    /// Debug mode: every buffer handed out and not returned, with the slot and thread that took
    /// it (a leak is one of these when the pipeline is quiescent). Empty outside debug mode.
    pub fn debug_in_use(&self) -> Vec<DebugOwner> {
        if !self.debug {
            return Vec::new();
        }
        (0..self.n_slots)
            .filter(|&h| self.valid(h))
            .filter_map(|h| {
                let w = self.dbg_word(h, META_DBG).load(Acquire);
                (w & 0xff == META_DBG_USED).then(|| DebugOwner {
                    handle: h,
                    slot: (w >> 8) & 0xff,
                    tid: self.dbg_word(h, META_DBG_TID).load(Relaxed),
                })
            })
            .collect()
    }

    /// Adds to an f64 counter of a user slot (only the slot's owner writes it).
    pub(crate) fn user_count(&self, slot: usize, off: usize, v: f64) {
        let c = self.user_f64(slot, off);
        // Relaxed: owner-written statistic, read as a snapshot.
        c.store((f64::from_bits(c.load(Relaxed)) + v).to_bits(), Relaxed);
    }

    /// Whether `h` names a buffer of this pool.
    #[inline]
    pub fn valid(&self, h: u32) -> bool {
        h < self.n_slots && slot_usable(self.buf_base, self.stride as usize, h as usize)
    }

    /// Offset of buffer `h` in the region. Callers validate untrusted handles with valid().
    #[inline]
    pub fn offset(&self, h: u32) -> usize {
        self.buf_base + h as usize * self.stride as usize
    }

    /// Start of buffer `h` (its metadata) in the primary mapping; None for a foreign handle.
    #[inline]
    pub fn buf_ptr(&self, h: u32) -> Option<*mut u8> {
        // SAFETY: valid(h) guarantees the buffer lies inside the region.
        self.valid(h).then(|| unsafe { self.region.as_ptr().add(self.offset(h)) })
    }

    /// Resets metadata to an empty packet at the default data offset (as rte_pktmbuf_reset).
    pub fn reset_meta(&self, h: u32) {
        if let Some(p) = self.buf_ptr(h) {
            // SAFETY: p is a buffer start, 64-byte aligned, and the caller owns the buffer.
            unsafe {
                (p.add(META_DATA_OFF) as *mut u16).write((META_SIZE as u32 + self.headroom) as u16);
                (p.add(META_DATA_LEN) as *mut u16).write(0);
                (p.add(META_PORT) as *mut u32).write(0);
                (p.add(META_FLAGS) as *mut u64).write(0);
            }
        }
    }

    /// What a port writes on RX (DPDK sets mbuf->port; the queue is ours): input port tag and
    /// queue, packet type 0 (unknown: our ports do not classify) and RSS hash 0 (none given).
    /// Ignores a foreign handle.
    #[inline]
    pub fn set_rx_meta(&self, h: u32, port: u16, queue: u16) {
        if let Some(p) = self.buf_ptr(h) {
            // SAFETY: p is a buffer start, 64-byte aligned (so the u32/u64 stores are aligned), and
            // the caller (the receiving queue) owns the buffer.
            unsafe {
                (p.add(META_PORT) as *mut u16).write(port);
                (p.add(META_QUEUE) as *mut u16).write(queue);
                (p.add(META_FLAGS) as *mut u64).write(0); // flags (packet type) and hash
            }
        }
    }

    pub(crate) fn user_word(&self, slot: usize, off: usize) -> &AtomicU32 {
        assert!(slot < POOL_MAX_USERS && off < POOL_USER_SIZE);
        // SAFETY: slot/off bounds-checked above; the users table lies inside the region.
        unsafe { &*(self.region.as_ptr().add(POOL_USERS_OFF + slot * POOL_USER_SIZE + off) as *const AtomicU32) }
    }

    pub(crate) fn user_f64(&self, slot: usize, off: usize) -> &AtomicU64 {
        assert!(slot < POOL_MAX_USERS && off + 8 <= POOL_USER_SIZE && off.is_multiple_of(8));
        // SAFETY: bounds and alignment checked above.
        unsafe { &*(self.region.as_ptr().add(POOL_USERS_OFF + slot * POOL_USER_SIZE + off) as *const AtomicU64) }
    }

    pub(crate) fn user_cache(&self, slot: usize) -> *mut u32 {
        assert!(slot < POOL_MAX_USERS);
        // SAFETY: the cache array of slot lies inside the region.
        unsafe { self.region.as_ptr().add(POOL_USERS_OFF + slot * POOL_USER_SIZE + POOL_U_CACHE) as *mut u32 }
    }

    /// Claims a free user slot (JS workers and Rust queues alike). Returns its index.
    pub fn claim_user(&self) -> Result<usize> {
        for s in 0..POOL_MAX_USERS {
            // AcqRel CAS: pairs with release_user()'s Release store, so the new owner sees the
            // previous owner's final cache_len/counters.
            if self.user_word(s, POOL_U_STATE).compare_exchange(0, 1, AcqRel, Relaxed).is_ok() {
                self.user_word(s, POOL_U_CACHE_LEN).store(0, Relaxed);
                // SAFETY: gettid has no preconditions.
                self.user_word(s, POOL_U_TID).store(unsafe { libc::gettid() } as u32, Relaxed);
                return Ok(s);
            }
        }
        Err(Error::OutOfMemory(format!(
            "pool '{}': all {POOL_MAX_USERS} user slots are taken; close unused pool handles (worker views or queues)",
            self.region.name()
        )))
    }

    /// Returns a user's cached buffers to the ring and frees its slot. Also the crash path: the
    /// supervisor calls it for a worker that died, so its cache is not lost.
    pub fn release_user(&self, slot: usize) -> Result<()> {
        if slot >= POOL_MAX_USERS {
            return Err(Error::InvalidArgument(format!(
                "pool '{}': user slot {slot} does not exist; slots are 0 .. {}",
                self.region.name(),
                POOL_MAX_USERS - 1
            )));
        }
        let len = self.user_word(slot, POOL_U_CACHE_LEN).load(Acquire) as usize;
        let len = len.min(POOL_CACHE_MAX);
        // SAFETY: the cache array has POOL_CACHE_MAX entries; the owner is gone or is us.
        let cached = unsafe { std::slice::from_raw_parts(self.user_cache(slot), len) };
        let done = self.push_free(cached);
        if done < len {
            self.user_count(slot, POOL_U_DOUBLE_FREES, (len - done) as f64);
        }
        self.user_word(slot, POOL_U_CACHE_LEN).store(0, Relaxed);
        // Counters stay (they are history, and in_use must keep counting what this user still
        // holds outside its cache); the slot's next owner starts from them.
        // Release: pairs with claim_user()'s CAS.
        self.user_word(slot, POOL_U_STATE).store(0, Release);
        Ok(())
    }

    /// Pushes handles into the shared free ring, bounded: returns how many went in. Fewer than
    /// given means the ring refused while full, which proves a double free: the ring has at least
    /// as many slots as the pool has buffers, so a full ring already holds every buffer (entries a
    /// consumer is still taking out count too: they are distinct buffers). The caller counts the
    /// surplus it drops. (A multi-producer racing us only makes the ring fuller: it cannot be the
    /// reason of a refusal that a single pass would not also see.)
    pub fn push_free(&self, hs: &[u32]) -> usize {
        let mut done = 0;
        while done < hs.len() {
            let n = self.ring.enqueue(&hs[done..], false, true);
            if n == 0 {
                break;
            }
            done += n;
        }
        done
    }

    pub fn stats(&self) -> PoolStats {
        let mut s = PoolStats { total: self.n_bufs as u64, ring_free: self.ring.count() as u64, ..Default::default() };
        let (mut allocs, mut frees, mut fail, mut bad, mut dbl) = (0f64, 0f64, 0f64, 0f64, 0f64);
        for u in 0..POOL_MAX_USERS {
            if self.user_word(u, POOL_U_STATE).load(Acquire) != 0 {
                s.users += 1;
                s.cached += self.user_word(u, POOL_U_CACHE_LEN).load(Relaxed) as u64;
            }
            allocs += f64::from_bits(self.user_f64(u, POOL_U_ALLOCS).load(Relaxed));
            frees += f64::from_bits(self.user_f64(u, POOL_U_FREES).load(Relaxed));
            fail += f64::from_bits(self.user_f64(u, POOL_U_ALLOC_FAIL).load(Relaxed));
            bad += f64::from_bits(self.user_f64(u, POOL_U_BAD_HANDLES).load(Relaxed));
            dbl += f64::from_bits(self.user_f64(u, POOL_U_DOUBLE_FREES).load(Relaxed));
        }
        s.bad_handles = bad as u64;
        s.double_frees = dbl as u64;
        s.allocs = allocs as u64;
        s.frees = frees as u64;
        s.alloc_fail = fail as u64;
        s.in_use = allocs as i64 - frees as i64;
        s
    }

    /// When quiescent: walks the free ring and every cache and reports (missing, duplicated)
    /// buffers. A missing buffer is in use or leaked; a duplicate is a double free.
    pub fn audit(&self) -> (u32, u32) {
        let (seen, dup) = self.seen();
        let missing = (0..self.n_slots).filter(|&h| self.valid(h) && seen[h as usize] == 0).count() as u32;
        (missing, dup)
    }

    /// How often each slot index occurs in the free ring and the caches, and duplicates seen.
    fn seen(&self) -> (Vec<u8>, u32) {
        let mut seen = vec![0u8; self.n_slots as usize];
        let mut dup = 0;
        let mut mark = |h: u32, seen: &mut Vec<u8>| {
            if let Some(c) = seen.get_mut(h as usize) {
                if *c > 0 {
                    dup += 1
                }
                *c = c.saturating_add(1);
            } else {
                dup += 1
            }
        };
        let base = self.region.as_ptr();
        let ring_off = self.offset_of_ring();
        // SAFETY: header words inside the region.
        let (ct, pt) = unsafe {
            (
                (*(base.add(ring_off + crate::ring::layout::RING_OFF_CONS_TAIL) as *const AtomicU32)).load(Acquire),
                (*(base.add(ring_off + crate::ring::layout::RING_OFF_PROD_TAIL) as *const AtomicU32)).load(Acquire),
            )
        };
        let mask = self.ring.capacity() - 1;
        let mut i = ct;
        while i != pt {
            // SAFETY: masked index into the ring's slot array.
            let h = unsafe { *(base.add(ring_off + crate::ring::layout::RING_OFF_SLOTS) as *const u32).add((i & mask) as usize) };
            mark(h, &mut seen);
            i = i.wrapping_add(1);
        }
        for u in 0..POOL_MAX_USERS {
            let len = (self.user_word(u, POOL_U_CACHE_LEN).load(Acquire) as usize).min(POOL_CACHE_MAX);
            for k in 0..len {
                // SAFETY: k < POOL_CACHE_MAX.
                mark(unsafe { *self.user_cache(u).add(k) }, &mut seen);
            }
        }
        (seen, dup)
    }

    fn offset_of_ring(&self) -> usize {
        // SAFETY: header word inside the region.
        unsafe { (*(self.region.as_ptr().add(POOL_HDR_RING_OFF) as *const AtomicU32)).load(Relaxed) as usize }
    }
}
