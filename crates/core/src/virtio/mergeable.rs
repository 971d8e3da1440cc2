//! Receive side of VIRTIO_NET_F_MRG_RXBUF (virtio 1.2 §5.1.6.3 Setting Up Receive Buffers,
//! §5.1.6.4 Processing of Incoming Packets): what to do with a frame the device spread over
//! several receive buffers (`num_buffers` > 1 in its virtio_net_hdr).
//!
//! The choice (docs/virtio.md "Jumbo frames", docs/packets.md): **one packet is one pool
//! buffer**. Jumbo frames are received whole into a pool with a larger data room
//! (`Pool.create({ dataRoom: 9216 })`, `ringway fwd --data-room 9216`); the pipeline never sees a
//! chain of handles, so every app, ring, pcap writer and TX path stays single-buffer and the pool
//! accounting is per handle as before. MRG_RXBUF is still negotiated, for one reason: without it a
//! device that gets a frame larger than the buffer drops it where the driver cannot see it (QEMU's
//! virtio-net unpops the buffer and discards the frame). With it, such a frame arrives in
//! `num_buffers` consecutive buffers (§5.1.6.4: the device uses them in order and says how many
//! in the first one's header); we drop all of them and count the frame once in `rx_oversize`
//! (and `ierrors`): counted, never truncated, never delivered in part.
//!
//! Trade-off: a pool's buffers all have the data room of the largest frame wanted (9216 B of data
//! per 2 KiB-frame-sized slot otherwise: 4.3x the memory for the same buffer count, and a wider
//! IOMMU working set), where a chained representation would keep 2 KiB buffers and make every
//! consumer of packets handle chains. Measured cost: docs/virtio.md.
//!
//! The buffers of one frame may become visible over several polls (a device may advance
//! used->idx after each), so the count of buffers still to drop is kept per queue across bursts.

/// Offset of `le16 num_buffers` in struct virtio_net_hdr (§5.1.6: flags, gso_type, hdr_len,
/// gso_size, csum_start, csum_offset, then num_buffers).
pub const NUM_BUFFERS_OFF: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// a whole frame in this one buffer: hand it on
    Deliver,
    /// the first buffer of a frame spread over several: drop it, count the frame (rx_oversize)
    Oversize,
    /// a later buffer of such a frame: drop it (the frame was counted with its first buffer)
    Rest,
    /// num_buffers 0, or more buffers than the ring holds: no correct device writes that; drop
    /// this buffer only and count it as a bad used entry
    Bad,
}

/// Per receive queue: buffers still to drop of an oversize frame.
#[derive(Clone, Copy, Debug, Default)]
pub struct RxMerge {
    rest: u16,
}

impl RxMerge {
    /// Classify the next used buffer. `num_buffers` is the header field of that buffer (None
    /// when MRG_RXBUF was not negotiated); `ring` is the queue size.
    #[inline]
    pub fn classify(&mut self, num_buffers: Option<u16>, ring: u16) -> Verdict {
        if self.rest > 0 {
            // §5.1.6.4: only the first buffer of a frame carries a meaningful header; the
            // others are data, whatever their first bytes look like.
            self.rest -= 1;
            return Verdict::Rest;
        }
        match num_buffers {
            None | Some(1) => Verdict::Deliver,
            Some(n) if n == 0 || n > ring => Verdict::Bad,
            Some(n) => {
                self.rest = n - 1;
                Verdict::Oversize
            }
        }
    }

    /// Buffers still owed to a frame being dropped (tests).
    pub fn pending(&self) -> u16 {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oversize_frame_is_dropped_whole_across_polls() {
        let mut m = RxMerge::default();
        assert_eq!(m.classify(Some(1), 256), Verdict::Deliver);
        assert_eq!(m.classify(None, 256), Verdict::Deliver);
        assert_eq!(m.classify(Some(3), 256), Verdict::Oversize);
        assert_eq!(m.pending(), 2);
        // a later buffer's first bytes are packet data, not a header
        assert_eq!(m.classify(Some(1), 256), Verdict::Rest);
        assert_eq!(m.classify(Some(7), 256), Verdict::Rest);
        assert_eq!(m.classify(Some(1), 256), Verdict::Deliver);
        assert_eq!(m.classify(Some(0), 256), Verdict::Bad);
        assert_eq!(m.classify(Some(257), 256), Verdict::Bad);
        assert_eq!(m.pending(), 0);
    }
}
