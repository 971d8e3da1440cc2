//! Split virtqueue (virtio 1.2 §2.7): descriptor table, available ring, used ring in one DMA
//! area laid out the legacy way (§2.7.2: used ring on the next 4096-byte boundary), which is
//! valid for modern devices too and lets one type serve both transports.
//!
//! We are the only writer of the descriptor table and the available ring, the device is the
//! only writer of the used ring. Nothing read from the used ring is trusted: an id or length
//! out of range is counted in `bad_used` and never dereferenced. A used index that moves by
//! more than the buffers the device holds (backwards reads as a huge forward step in wrapping
//! u16 arithmetic) cannot come from a working device: the queue marks itself broken
//! (`broken()`), counts it in `bad_idx` and pops nothing more; the driver then resets the device.
//! All ring memory goes through `DmaArea::read`/`write` (bounds-checked volatile accesses);
//! indices are free-running `Wrapping<u16>` and masked only when addressing a slot.
use super::spec::ring::*;
use crate::bind::dma::DmaArea;
use crate::error::{Error, Result};
use std::num::Wrapping;
use std::sync::atomic::{fence, Ordering};

const FREE: u32 = u32::MAX;

/// What the device handed back, after validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Used {
    /// A buffer we posted; `len` bytes written by the device (<= what we offered).
    Ok { handle: u32, len: u32 },
    /// A buffer we posted, but the device claims more bytes written than we offered: the
    /// buffer is returned so the caller can free it, its contents must not be used.
    BadLen { handle: u32 },
    /// The entry names no outstanding descriptor: nothing to reclaim.
    BadId,
}

pub struct Virtqueue {
    pub index: u16,
    size: u16,
    mem: DmaArea,
    avail_off: usize,
    used_off: usize,
    /// Extra bytes after the rings (control-queue command scratch).
    scratch_off: usize,
    /// Per descriptor: the caller's handle while the device owns it, or FREE.
    handle: Vec<u32>,
    /// Per descriptor: device-writable bytes we offered (the upper bound for used.len).
    writable: Vec<u32>,
    /// Per descriptor: next descriptor of a chain we built (our shadow: never re-read from the
    /// table, which the device could corrupt).
    next: Vec<u16>,
    chain: Vec<u16>,
    free: Vec<u16>,
    avail_idx: Wrapping<u16>,
    /// avail->idx as of the last `publish` (the "old" of the §2.7.10 event check)
    published: Wrapping<u16>,
    last_used: Wrapping<u16>,
    /// VIRTIO_F_EVENT_IDX negotiated: used_event / avail_event replace the ring flags
    event_idx: bool,
    /// Buffers (chain heads) the device owns: the most completions it can ever report.
    heads: u16,
    pub bad_used: u64,
    /// used->idx jumps beyond `heads` (at most 1: the queue is broken after the first)
    pub bad_idx: u64,
    /// (our last_used, the device's used->idx) when the queue broke
    broken: Option<(u16, u16)>,
    inject_bad_len: u32,
}

impl Virtqueue {
    /// Ring memory for a queue of `size` entries (a power of two, §2.7) plus `scratch` bytes.
    pub fn new(index: u16, size: u16, scratch: usize) -> Result<Virtqueue> {
        if size == 0 || !size.is_power_of_two() || size > MAX_QUEUE_SIZE {
            return Err(Error::Device(format!("queue {index}: size {size} is not a power of two <= 32768")));
        }
        let n = size as usize;
        let avail_off = DESC_SIZE * n;
        // avail: flags, idx, ring[n], used_event
        let used_off = (avail_off + AVAIL_HDR + 2 * n + 2).next_multiple_of(4096);
        // used: flags, idx, ring[n], avail_event
        let scratch_off = (used_off + USED_HDR + USED_ELEM * n + 2).next_multiple_of(64);
        let mem = DmaArea::new(scratch_off + scratch)?;
        let vq = Virtqueue {
            index,
            size,
            mem,
            avail_off,
            used_off,
            scratch_off,
            handle: vec![FREE; n],
            writable: vec![0; n],
            next: vec![0; n],
            chain: vec![1; n],
            free: (0..size).rev().collect(),
            avail_idx: Wrapping(0),
            published: Wrapping(0),
            last_used: Wrapping(0),
            event_idx: false,
            heads: 0,
            bad_used: 0,
            bad_idx: 0,
            broken: None,
            inject_bad_len: 0,
        };
        // §2.7.7: we poll, so ask the device not to interrupt us (a hint it may ignore).
        vq.mem.write::<u16>(vq.avail_off, AVAIL_F_NO_INTERRUPT);
        Ok(vq)
    }

    pub fn size(&self) -> u16 {
        self.size
    }

    /// Switch to event-index notification suppression (VIRTIO_F_EVENT_IDX negotiated); call
    /// before the queue is handed to the device.
    pub fn set_event_idx(&mut self, on: bool) {
        self.event_idx = on;
        if on {
            // virtio 1.2 §2.7.7.1: with EVENT_IDX the driver MUST set avail->flags to 0; it
            // suppresses used buffer notifications through used_event instead (we poll).
            self.mem.write::<u16>(self.avail_off, 0);
            self.hold_used_event();
        } else {
            self.mem.write::<u16>(self.avail_off, AVAIL_F_NO_INTERRUPT);
        }
    }

    pub fn event_idx(&self) -> bool {
        self.event_idx
    }

    /// virtio 1.2 §2.7.7 / §2.7.8: used_event (avail->ring[size]) asks the device to notify
    /// only once used->idx passes it. We poll and never want an interrupt, so it is kept one
    /// behind what we have consumed: the device, which only notifies when its used->idx steps
    /// over used_event, never reaches it (it would take a wrap of 65536 entries without our
    /// popping any, and the ring holds at most 32768). One plain store, after each pop batch.
    pub fn hold_used_event(&mut self) {
        if self.event_idx {
            let v = self.last_used - Wrapping(1);
            self.mem.write::<u16>(self.avail_off + AVAIL_HDR + 2 * self.size as usize, v.0.to_le());
        }
    }
    /// Interrupt mode, before sleeping: ask the device for a used buffer notification on the
    /// next entry it adds (virtio 1.2 §2.7.7: with EVENT_IDX used_event = the index we will read
    /// next, so its used->idx stepping past it notifies; without, clear VIRTQ_AVAIL_F_NO_INTERRUPT).
    /// Then, after a full fence (our store before the device's next used->idx read, the mirror
    /// of `publish`), re-check the ring: true when entries are already there, i.e. the device
    /// may have added them before it saw the request, and the caller must not sleep.
    pub fn enable_interrupt(&mut self) -> bool {
        if self.event_idx {
            self.mem.write::<u16>(self.avail_off + AVAIL_HDR + 2 * self.size as usize, self.last_used.0.to_le());
        } else {
            self.mem.write::<u16>(self.avail_off, 0);
        }
        fence(Ordering::SeqCst);
        self.has_used()
    }

    /// After waking (or before polling again): notifications off (used_event held one behind,
    /// or VIRTQ_AVAIL_F_NO_INTERRUPT set), so a polled queue never interrupts.
    pub fn disable_interrupt(&mut self) {
        if self.event_idx {
            self.hold_used_event();
        } else {
            self.mem.write::<u16>(self.avail_off, AVAIL_F_NO_INTERRUPT);
        }
    }

    /// The device has produced used entries we have not popped (used->idx != ours).
    #[inline]
    pub fn has_used(&self) -> bool {
        let used_idx = u16::from_le(self.mem.read::<u16>(self.used_off + 2));
        self.broken.is_none() && used_idx != self.last_used.0
    }

    pub fn desc_iova(&self) -> u64 {
        self.mem.iova(0)
    }
    pub fn avail_iova(&self) -> u64 {
        self.mem.iova(self.avail_off)
    }
    pub fn used_iova(&self) -> u64 {
        self.mem.iova(self.used_off)
    }

    /// Under physical addressing each ring part (or, for legacy, the whole ring) must be one
    /// physically contiguous run; 2 MiB hugepages guarantee it, 4 KiB pages may not.
    pub fn check_contiguous(&self, whole: bool) -> Result<()> {
        let ok = if whole {
            self.mem.contiguous(0, self.used_off + USED_HDR + USED_ELEM * self.size as usize)
        } else {
            self.mem.contiguous(0, self.avail_off)
                && self.mem.contiguous(self.avail_off, AVAIL_HDR + 2 * self.size as usize)
                && self.mem.contiguous(self.used_off, USED_HDR + USED_ELEM * self.size as usize)
        };
        if !ok || self.desc_iova() == 0 {
            return Err(Error::NoHugepages(format!(
                "queue {}: ring memory is not physically contiguous; reserve hugepages (echo 64 > /proc/sys/vm/nr_hugepages)",
                self.index
            )));
        }
        Ok(())
    }

    pub fn scratch(&self) -> (usize, u64) {
        (self.scratch_off, self.mem.iova(self.scratch_off))
    }
    pub fn mem(&self) -> &DmaArea {
        &self.mem
    }

    /// Descriptors free for new buffers.
    pub fn free_slots(&self) -> usize {
        self.free.len()
    }
    /// Descriptors owned by the device.
    pub fn outstanding(&self) -> usize {
        self.size as usize - self.free.len()
    }
    /// Buffers (descriptor chains) owned by the device.
    pub fn buffers_outstanding(&self) -> usize {
        self.heads as usize
    }

    /// Some((consumed, used_idx)) once the device moved used->idx impossibly far.
    pub fn broken(&self) -> Option<(u16, u16)> {
        self.broken
    }

    /// §2.7.13.1-2: place one buffer (a chain of `segs` = (iova, len, device-writable)) in the
    /// descriptor table and its head in the next available slot. Not visible to the device
    /// until `publish`. Returns false when the table is full.
    pub fn push(&mut self, handle: u32, segs: &[(u64, u32, bool)]) -> bool {
        if segs.is_empty() || self.free.len() < segs.len() {
            return false;
        }
        let mut ids = [0u16; 4];
        assert!(segs.len() <= ids.len());
        for id in ids.iter_mut().take(segs.len()) {
            *id = self.free.pop().unwrap();
        }
        let mut writable = 0;
        for (i, &(addr, len, write)) in segs.iter().enumerate() {
            let id = ids[i];
            let last = i + 1 == segs.len();
            let mut flags = if write { DESC_F_WRITE } else { 0 };
            if !last {
                flags |= DESC_F_NEXT;
                self.next[id as usize] = ids[i + 1];
            }
            if write {
                writable += len;
            }
            // §2.7.5: struct virtq_desc { le64 addr; le32 len; le16 flags; le16 next; }
            let d = id as usize * DESC_SIZE;
            self.mem.write::<u64>(d, addr.to_le());
            self.mem.write::<u32>(d + 8, len.to_le());
            self.mem.write::<u16>(d + 12, flags.to_le());
            self.mem.write::<u16>(d + 14, if last { 0 } else { ids[i + 1].to_le() });
        }
        let head = ids[0] as usize;
        self.handle[head] = handle;
        self.heads += 1;
        self.writable[head] = writable;
        self.chain[head] = segs.len() as u16;
        // §2.7.13.2: ring[avail_idx % size] = head
        let slot = (self.avail_idx.0 & (self.size - 1)) as usize;
        self.mem.write::<u16>(self.avail_off + AVAIL_HDR + 2 * slot, (head as u16).to_le());
        self.avail_idx += 1;
        true
    }

    /// §2.7.13.3: make everything pushed so far visible by storing avail->idx; then
    /// §2.7.10: report whether the device wants a notification (used->flags NO_NOTIFY clear,
    /// or with EVENT_IDX: this publish stepped over avail_event).
    pub fn publish(&mut self) -> bool {
        // Release: descriptor and ring-slot stores above become visible before the idx store;
        // pairs with the device's read of avail->idx before it reads the ring entries.
        fence(Ordering::Release);
        self.mem.write::<u16>(self.avail_off + 2, self.avail_idx.0.to_le());
        // Full fence: our idx store must be ordered before the used->flags / avail_event load
        // below (a store->load order only a full barrier gives); pairs with the device setting
        // NO_NOTIFY (or avail_event) and then re-checking avail->idx, so no kick is lost.
        fence(Ordering::SeqCst);
        let (old, new) = (self.published, self.avail_idx);
        self.published = new;
        if self.event_idx {
            // virtio 1.2 §2.7.10: avail_event (used->ring[size]) is the avail->idx value at
            // which the device wants the next notification; §2.7.10.1: notify when the idx we
            // just moved from `old` to `new` stepped over it (the spec's vring_need_event:
            // event in [old, new), in wrapping u16 arithmetic). While the device is busy
            // draining the ring it leaves avail_event behind, so we do not kick at all.
            let ev = Wrapping(u16::from_le(self.mem.read::<u16>(self.used_off + USED_HDR + USED_ELEM * self.size as usize)));
            return (new - ev - Wrapping(1)).0 < (new - old).0;
        }
        self.mem.read::<u16>(self.used_off) & USED_F_NO_NOTIFY == 0
    }

    /// §2.7.14: take the next used entry, validated; None when the device has produced none
    /// (or the queue is broken).
    #[inline]
    pub fn pop(&mut self) -> Option<Used> {
        if self.broken.is_some() {
            return None;
        }
        let used_idx = Wrapping(u16::from_le(self.mem.read::<u16>(self.used_off + 2)));
        let pending = (used_idx - self.last_used).0 as usize;
        if pending == 0 {
            return None;
        }
        if pending > self.heads as usize {
            // §2.7.8: the device adds one used element per buffer it was given, so used->idx can
            // run ahead of what we consumed by at most the buffers it owns. Further (or backwards,
            // which wraps to a large step) means the ring contents cannot be trusted at all:
            // stop here, before reading a single element of it.
            return self.break_queue(used_idx);
        }
        // Acquire: the used element must be read after used->idx; pairs with the device's
        // write barrier between filling the element and storing used->idx.
        fence(Ordering::Acquire);
        let slot = (self.last_used.0 & (self.size - 1)) as usize;
        let e = self.used_off + USED_HDR + USED_ELEM * slot;
        let id = u32::from_le(self.mem.read::<u32>(e));
        let mut len = u32::from_le(self.mem.read::<u32>(e + 4));
        self.last_used += 1;
        if id >= self.size as u32 || self.handle[id as usize] == FREE {
            self.bad_used += 1;
            return Some(Used::BadId);
        }
        let head = id as u16;
        let handle = self.handle[head as usize];
        self.release_chain(head);
        if self.inject_bad_len > 0 {
            self.inject_bad_len -= 1;
            len = self.writable[head as usize] + 1;
        }
        if len > self.writable[head as usize] {
            self.bad_used += 1;
            return Some(Used::BadLen { handle });
        }
        Some(Used::Ok { handle, len })
    }

    #[cold]
    fn break_queue(&mut self, used_idx: Wrapping<u16>) -> Option<Used> {
        self.bad_idx += 1;
        self.broken = Some((self.last_used.0, used_idx.0));
        None
    }

    fn release_chain(&mut self, head: u16) {
        self.handle[head as usize] = FREE;
        self.heads -= 1;
        let mut id = head;
        for i in 0..self.chain[head as usize] {
            self.free.push(id);
            if i + 1 < self.chain[head as usize] {
                id = self.next[id as usize];
            }
        }
        self.chain[head as usize] = 1;
    }

    /// After a device reset: hand back every buffer still posted so the caller can free it.
    pub fn drain(&mut self, out: &mut Vec<u32>) {
        for head in 0..self.size {
            let h = self.handle[head as usize];
            if h != FREE {
                out.push(h);
                self.release_chain(head);
            }
        }
    }

    /// Test hook: make the next `n` completions appear to report a length one byte larger
    /// than the buffer offered, as a buggy or hostile device would.
    #[doc(hidden)]
    pub fn inject_bad_used_len(&mut self, n: u32) {
        self.inject_bad_len += n;
    }

    /// Test support: act as the device and complete descriptor `id` with `len`.
    #[doc(hidden)]
    pub fn device_complete(&mut self, id: u32, len: u32) {
        let used_idx = Wrapping(u16::from_le(self.mem.read::<u16>(self.used_off + 2)));
        let slot = (used_idx.0 & (self.size - 1)) as usize;
        let e = self.used_off + USED_HDR + USED_ELEM * slot;
        self.mem.write::<u32>(e, id.to_le());
        self.mem.write::<u32>(e + 4, len.to_le());
        fence(Ordering::Release);
        self.mem.write::<u16>(self.used_off + 2, (used_idx + Wrapping(1)).0.to_le());
    }

    /// Test support: the descriptor id placed in available slot `slot`.
    #[doc(hidden)]
    pub fn avail_head(&self, slot: u16) -> u16 {
        u16::from_le(self.mem.read::<u16>(self.avail_off + AVAIL_HDR + 2 * (slot & (self.size - 1)) as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_used_entries() {
        let mut vq = Virtqueue::new(0, 8, 0).unwrap();
        assert!(vq.push(100, &[(0x1000, 2048, true)]));
        assert!(vq.push(101, &[(0x2000, 2048, true)]));
        assert!(vq.push(102, &[(0x3000, 16, false), (0x4000, 1, true)]));
        // two more the device never completes: the five entries below stay within the five
        // buffers it holds, so each is judged on its own (more would break the queue)
        assert!(vq.push(103, &[(0x5000, 64, true)]));
        assert!(vq.push(104, &[(0x6000, 64, true)]));
        vq.publish();
        assert_eq!(vq.free_slots(), 2);
        let (d0, d1, d2) = (vq.avail_head(0) as u32, vq.avail_head(1) as u32, vq.avail_head(2) as u32);
        vq.device_complete(d0, 60);
        vq.device_complete(99, 60); // id out of range
        vq.device_complete(d1, 4096); // longer than offered
        vq.device_complete(d1, 60); // no longer outstanding
        vq.device_complete(d2, 1); // chain: 1 writable byte
        assert_eq!(vq.pop(), Some(Used::Ok { handle: 100, len: 60 }));
        assert_eq!(vq.pop(), Some(Used::BadId));
        assert_eq!(vq.pop(), Some(Used::BadLen { handle: 101 }));
        assert_eq!(vq.pop(), Some(Used::BadId));
        assert_eq!(vq.pop(), Some(Used::Ok { handle: 102, len: 1 }));
        assert_eq!(vq.pop(), None);
        assert_eq!(vq.bad_used, 3);
        assert_eq!(vq.free_slots(), 6);
        assert_eq!(vq.buffers_outstanding(), 2);
        assert_eq!(vq.broken(), None);
    }

    #[test]
    fn used_idx_beyond_the_buffers_held_breaks_the_queue() {
        // forward by more than the device holds, and backwards (a huge wrapping step)
        for (step_back, jump) in [(false, 3u16), (true, 1)] {
            let mut vq = Virtqueue::new(0, 8, 0).unwrap();
            assert!(vq.push(1, &[(0x1000, 64, true)]));
            assert!(vq.push(2, &[(0x2000, 64, true)]));
            vq.publish();
            let d0 = vq.avail_head(0) as u32;
            vq.device_complete(d0, 10);
            assert_eq!(vq.pop(), Some(Used::Ok { handle: 1, len: 10 }));
            let cur = u16::from_le(vq.mem.read::<u16>(vq.used_off + 2));
            let bad = if step_back { cur.wrapping_sub(jump) } else { cur.wrapping_add(jump) };
            vq.mem.write::<u16>(vq.used_off + 2, bad.to_le());
            assert_eq!(vq.pop(), None);
            assert_eq!(vq.broken(), Some((1, bad)));
            assert_eq!((vq.bad_idx, vq.bad_used), (1, 0));
            // once broken, nothing more is read, even a valid-looking index
            vq.mem.write::<u16>(vq.used_off + 2, 2u16.to_le());
            assert_eq!(vq.pop(), None);
            assert_eq!(vq.bad_idx, 1);
            let mut back = Vec::new();
            vq.drain(&mut back);
            assert_eq!(back, [2]);
            assert_eq!((vq.free_slots(), vq.buffers_outstanding()), (8, 0));
        }
    }

    #[test]
    fn injected_bad_len_is_rejected() {
        let mut vq = Virtqueue::new(0, 4, 0).unwrap();
        assert!(vq.push(7, &[(0x1000, 100, true)]));
        vq.publish();
        vq.inject_bad_used_len(1);
        vq.device_complete(vq.avail_head(0) as u32, 50);
        assert_eq!(vq.pop(), Some(Used::BadLen { handle: 7 }));
        assert_eq!(vq.bad_used, 1);
    }

    /// Test support: what the device would do with EVENT_IDX: ask for a kick at avail idx `v`.
    fn set_avail_event(vq: &Virtqueue, v: u16) {
        vq.mem.write::<u16>(vq.used_off + USED_HDR + USED_ELEM * vq.size as usize, v.to_le());
    }

    #[test]
    fn event_idx_kicks_only_when_avail_event_is_crossed() {
        let mut vq = Virtqueue::new(0, 8, 0).unwrap();
        vq.set_event_idx(true);
        // §2.7.7.1: flags 0 with EVENT_IDX; used_event one behind what we consumed (0)
        assert_eq!(vq.mem.read::<u16>(vq.avail_off), 0);
        assert_eq!(vq.mem.read::<u16>(vq.avail_off + AVAIL_HDR + 2 * 8), 0xffff);
        // avail_event 0 (device idle at start): the first publish (0 -> 2) crosses it
        assert!(vq.push(1, &[(0x1000, 64, false)]));
        assert!(vq.push(2, &[(0x2000, 64, false)]));
        assert!(vq.publish());
        // device busy draining, avail_event left at 1: 2 -> 3 does not cross it
        set_avail_event(&vq, 1);
        assert!(vq.push(3, &[(0x3000, 64, false)]));
        assert!(!vq.publish());
        // device caught up and asks at 3: 3 -> 5 crosses it
        set_avail_event(&vq, 3);
        assert!(vq.push(4, &[(0x4000, 64, false)]));
        assert!(vq.push(5, &[(0x5000, 64, false)]));
        assert!(vq.publish());
        // asking further ahead than we published: no kick yet
        set_avail_event(&vq, 9);
        for i in 0..5 {
            let id = vq.avail_head(i) as u32;
            vq.device_complete(id, 0);
        }
        while vq.pop().is_some() {}
        vq.hold_used_event();
        assert_eq!(vq.mem.read::<u16>(vq.avail_off + AVAIL_HDR + 2 * 8), 4);
        assert!(vq.push(6, &[(0x6000, 64, false)]));
        assert!(!vq.publish()); // 5 -> 6
                                // wrap: avail_event 0xffff, idx moving 0xfffe -> 0x0001 crosses it
        let mut w = Virtqueue::new(0, 4, 0).unwrap();
        w.set_event_idx(true);
        w.avail_idx = Wrapping(0xfffe);
        w.published = Wrapping(0xfffe);
        set_avail_event(&w, 0xffff);
        for h in 0..3 {
            assert!(w.push(h, &[(0x1000, 64, false)]));
        }
        assert!(w.publish());
    }

    #[test]
    fn without_event_idx_no_notify_flag_decides() {
        let mut vq = Virtqueue::new(0, 4, 0).unwrap();
        vq.set_event_idx(false);
        assert_eq!(vq.mem.read::<u16>(vq.avail_off), AVAIL_F_NO_INTERRUPT);
        assert!(vq.push(1, &[(0x1000, 64, false)]));
        assert!(vq.publish());
        vq.mem.write::<u16>(vq.used_off, USED_F_NO_NOTIFY);
        assert!(vq.push(2, &[(0x2000, 64, false)]));
        assert!(!vq.publish());
    }

    #[test]
    fn interrupts_are_requested_only_while_enabled() {
        let mut vq = Virtqueue::new(0, 8, 0).unwrap();
        vq.set_event_idx(true);
        let ue = |vq: &Virtqueue| u16::from_le(vq.mem.read::<u16>(vq.avail_off + AVAIL_HDR + 2 * 8));
        assert_eq!(ue(&vq), 0xffff, "polled: used_event one behind");
        assert!(!vq.enable_interrupt(), "nothing used yet");
        assert_eq!(ue(&vq), 0, "armed: notify on the next entry");
        vq.disable_interrupt();
        assert_eq!(ue(&vq), 0xffff);
        // the device added an entry before we armed: enable reports it, so nobody sleeps on it
        assert!(vq.push(7, &[(0x1000, 64, true)]));
        vq.publish();
        vq.device_complete(0, 10);
        assert!(vq.has_used());
        assert!(vq.enable_interrupt());
        let mut w = Virtqueue::new(1, 8, 0).unwrap();
        w.set_event_idx(false);
        assert_eq!(w.mem.read::<u16>(w.avail_off), AVAIL_F_NO_INTERRUPT);
        assert!(!w.enable_interrupt());
        assert_eq!(w.mem.read::<u16>(w.avail_off), 0, "flags: interrupts wanted");
        w.disable_interrupt();
        assert_eq!(w.mem.read::<u16>(w.avail_off), AVAIL_F_NO_INTERRUPT);
    }

    #[test]
    fn indices_wrap() {
        let mut vq = Virtqueue::new(0, 4, 0).unwrap();
        for i in 0..70_000u32 {
            assert!(vq.push(i, &[(0x1000, 64, true)]));
            vq.publish();
            let id = vq.avail_head(i as u16) as u32;
            vq.device_complete(id, 64);
            assert_eq!(vq.pop(), Some(Used::Ok { handle: i, len: 64 }));
        }
    }
}
