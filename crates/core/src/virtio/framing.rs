//! How one packet (or one control command) is laid out in descriptors: virtio 1.2 §2.7.4
//! Message Framing.
//!
//! A modern device (VERSION_1) accepts any layout (§2.7.4.1), so the virtio_net_hdr and the
//! packet share one descriptor: the header sits in the buffer headroom right before the data
//! (nothing is copied, one descriptor per packet). A legacy device may insist on the old framing
//! unless VIRTIO_F_ANY_LAYOUT (§6 Reserved Feature Bits, bit 27) was negotiated: §2.7.4.3
//! "Legacy Interface: Message Framing", §5.1.6.1 (Packet Transmission) and §5.1.6.3 (Setting Up
//! Receive Buffers) say the header then goes in a descriptor of its own with the packet in the
//! following ones, and §5.1.6.5 (Control Virtqueue) that the class/command header, the data and
//! the ack are three separate descriptors. We negotiate ANY_LAYOUT whenever a legacy device
//! offers it (QEMU's does) and fall back to `Split` otherwise.
//!
//! Cost of `Split`: two descriptors per packet, so a ring of N entries holds N/2 buffers; the
//! memory is the same (the header descriptor points into the same buffer's headroom).

/// One descriptor: (device address, length, device-writable).
pub type Seg = (u64, u32, bool);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// header + data in one descriptor (VERSION_1, or legacy with ANY_LAYOUT negotiated)
    Any,
    /// header in its own descriptor, data in the next (legacy without ANY_LAYOUT)
    Split,
}

impl Framing {
    /// The framing the negotiated features allow (§2.7.4: VERSION_1 implies any layout).
    pub fn from_features(f: u64) -> Framing {
        use super::spec::feature::{ANY_LAYOUT, VERSION_1};
        if f & (VERSION_1 | ANY_LAYOUT) != 0 {
            Framing::Any
        } else {
            Framing::Split
        }
    }

    /// Descriptors one packet takes.
    #[inline]
    pub fn descs(self) -> usize {
        match self {
            Framing::Any => 1,
            Framing::Split => 2,
        }
    }

    /// A packet whose `hdr`-byte header starts at device address `at`, followed by `len` bytes
    /// of data (RX: room offered, device-writable; TX: the packet, device-readable).
    #[inline]
    pub fn packet(self, at: u64, hdr: u32, len: u32, write: bool, out: &mut [Seg; 2]) -> usize {
        match self {
            Framing::Any => {
                out[0] = (at, hdr + len, write);
                1
            }
            Framing::Split => {
                out[0] = (at, hdr, write);
                out[1] = (at + hdr as u64, len, write);
                2
            }
        }
    }

    /// §5.1.6.5: { u8 class; u8 command } then `data_len` bytes of data, both device-readable,
    /// at `at`; then the device-writable 1-byte ack at `ack`.
    pub fn control(self, at: u64, data_len: u32, ack: u64, out: &mut [Seg; 3]) -> usize {
        match self {
            Framing::Any => {
                out[0] = (at, 2 + data_len, false);
                out[1] = (ack, 1, true);
                2
            }
            Framing::Split if data_len == 0 => {
                out[0] = (at, 2, false);
                out[1] = (ack, 1, true);
                2
            }
            Framing::Split => {
                out[0] = (at, 2, false);
                out[1] = (at + 2, data_len, false);
                out[2] = (ack, 1, true);
                3
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::spec::feature::*;
    use super::*;

    #[test]
    fn framing_follows_the_features() {
        assert_eq!(Framing::from_features(VERSION_1), Framing::Any);
        assert_eq!(Framing::from_features(ANY_LAYOUT), Framing::Any);
        assert_eq!(Framing::from_features(NET_MAC | NET_MRG_RXBUF), Framing::Split);
    }

    #[test]
    fn split_puts_the_header_in_its_own_descriptor() {
        let mut s = [(0, 0, false); 2];
        assert_eq!(Framing::Split.packet(0x1000, 12, 2048, true, &mut s), 2);
        assert_eq!(s, [(0x1000, 12, true), (0x100c, 2048, true)]);
        assert_eq!(Framing::Any.packet(0x1000, 12, 60, false, &mut s), 1);
        assert_eq!(s[0], (0x1000, 72, false));
        let mut c = [(0, 0, false); 3];
        assert_eq!(Framing::Split.control(0x2000, 1, 0x2030, &mut c), 3);
        assert_eq!(c, [(0x2000, 2, false), (0x2002, 1, false), (0x2030, 1, true)]);
        assert_eq!(Framing::Any.control(0x2000, 1, 0x2030, &mut c), 2);
        assert_eq!(&c[..2], &[(0x2000, 3, false), (0x2030, 1, true)]);
    }
}
