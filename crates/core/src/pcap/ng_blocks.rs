//! pcapng blocks that describe packets (draft-ietf-opsawg-pcapng Section 4.2 IDB, 4.3 EPB, 4.4 SPB):
//! interface properties, and turning a packet block into (data, lengths, timestamp) for `PcapReader`.
use std::io::{Read, Seek};

use super::format::{ng_len, opt, pad4, DEFAULT_TSRESOL};
use super::reader::{rd16, rd32, PcapReader, Rec, State};
use crate::error::Result;

/// One Interface Description Block (Section 4.2): what EPB/SPB need to interpret their packets.
pub(super) struct Iface {
    linktype: u32,
    snaplen: u32,
    tsresol: u8,
    tsoffset_s: i64,
}

/// Timestamp units -> ns since the epoch per if_tsresol and if_tsoffset (Section 4.2). Both options
/// are file-controlled, so the arithmetic is widened and clamped instead of trusted.
pub(super) fn ng_ts_ns(units: u64, tsresol: u8, tsoffset_s: i64) -> u64 {
    let n = u32::from(tsresol & 0x7f);
    let ns: u128 = if tsresol & 0x80 != 0 {
        (u128::from(units) * 1_000_000_000) >> n // MSB set: 2^-n seconds per unit
    } else if n <= 9 {
        u128::from(units) * 10u128.pow(9 - n) // 10^-n seconds per unit, coarser than ns
    } else if n - 9 <= 38 {
        u128::from(units) / 10u128.pow(n - 9) // finer than ns: truncate
    } else {
        0
    };
    let ns = ns as i128 + i128::from(tsoffset_s) * 1_000_000_000;
    ns.clamp(0, i128::from(u64::MAX)) as u64
}

impl<R: Read + Seek> PcapReader<R> {
    fn ifaces(&self) -> &[Iface] {
        match &self.state {
            State::Ng { ifaces, .. } => ifaces,
            State::Pcap { .. } => &[],
        }
    }

    pub(super) fn parse_idb(&mut self, start: u64, body_len: usize, big: bool) -> Result<()> {
        if body_len + 12 < ng_len::IDB_MIN {
            return Err(self.malformed(start, format!("interface description block too short ({} bytes)", body_len + 12)));
        }
        let b = &self.buf[..body_len];
        let (linktype, snaplen) = (u32::from(rd16(b, 0, big)), rd32(b, 4, big));
        let mut iface = Iface { linktype, snaplen, tsresol: DEFAULT_TSRESOL, tsoffset_s: 0 };
        // Options: code(2) length(2) value padded to 32 bits (Section 3.5).
        let mut i = 8;
        while i + 4 <= body_len {
            let (code, olen) = (rd16(b, i, big), rd16(b, i + 2, big) as usize);
            let Some(val) = b.get(i + 4..i + 4 + olen) else {
                return Err(self
                    .malformed(start + 8 + i as u64, format!("option {code} of length {olen} overruns its interface description block")));
            };
            match code {
                opt::END_OF_OPT => break,
                opt::IF_TSRESOL if olen == 1 => iface.tsresol = val[0],
                // Two 32-bit halves in section byte order make the signed 64-bit seconds offset.
                opt::IF_TSOFFSET if olen == 8 => {
                    let (w0, w1) = (u64::from(rd32(val, 0, big)), u64::from(rd32(val, 4, big)));
                    iface.tsoffset_s = if big { (w0 << 32) | w1 } else { (w1 << 32) | w0 } as i64;
                }
                _ => {}
            }
            i += 4 + pad4(olen);
        }
        if let State::Ng { ifaces, .. } = &mut self.state {
            ifaces.push(iface);
        }
        Ok(())
    }

    pub(super) fn parse_epb(&mut self, start: u64, body_len: usize, big: bool) -> Result<Rec> {
        if body_len + 12 < ng_len::EPB_MIN {
            return Err(self.malformed(start, format!("enhanced packet block too short ({} bytes)", body_len + 12)));
        }
        let b = &self.buf;
        let id = rd32(b, 0, big) as usize;
        // Timestamp is two 32-bit words, upper first regardless of byte order (Section 4.3).
        let units = (u64::from(rd32(b, 4, big)) << 32) | u64::from(rd32(b, 8, big));
        let (caplen, origlen) = (rd32(b, 12, big) as usize, rd32(b, 16, big));
        let Some(iface) = self.ifaces().get(id) else {
            let n = self.ifaces().len();
            return Err(
                self.malformed(start + 8, format!("packet refers to interface {id} but its section declares {n} interface(s) before it"))
            );
        };
        let (lt, snaplen, ts_ns) = (iface.linktype, iface.snaplen, ng_ts_ns(units, iface.tsresol, iface.tsoffset_s));
        self.check_linktype(lt)?;
        self.check_caplen(start + 20, caplen, snaplen)?;
        if 20 + caplen > body_len {
            return Err(self.malformed(start + 20, format!("captured length {caplen} overruns its {}-byte block", body_len + 12)));
        }
        Ok((20, caplen, origlen, ts_ns))
    }

    /// SPB: belongs to interface 0; captured length is min(original length, snaplen) and whatever
    /// the block holds (Section 4.4). It has no timestamp.
    pub(super) fn parse_spb(&mut self, start: u64, body_len: usize, big: bool) -> Result<Rec> {
        if body_len + 12 < ng_len::SPB_MIN {
            return Err(self.malformed(start, format!("simple packet block too short ({} bytes)", body_len + 12)));
        }
        let origlen = rd32(&self.buf, 0, big);
        let Some(iface) = self.ifaces().first() else {
            return Err(self.malformed(start, "simple packet block appears before any interface description block"));
        };
        let (lt, snaplen) = (iface.linktype, iface.snaplen);
        self.check_linktype(lt)?;
        let mut caplen = (origlen as usize).min(body_len - 4);
        if snaplen != 0 {
            caplen = caplen.min(snaplen as usize);
        }
        self.check_caplen(start + 8, caplen, 0)?;
        Ok((4, caplen, origlen, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{assert_malformed as malformed, epb, idb, read_all, shb, spb, w32};
    use super::*;
    use crate::error::Error;

    #[test]
    fn timestamp_resolutions_and_offset() {
        assert_eq!(ng_ts_ns(1_500_000, 6, 0), 1_500_000_000); // default: microseconds
        assert_eq!(ng_ts_ns(1_500, 3, 0), 1_500_000_000);
        assert_eq!(ng_ts_ns(3 * 1024 + 512, 0x8a, 0), 3_500_000_000); // 2^-10 s units
        assert_eq!(ng_ts_ns(5, 0, 10), 15_000_000_000);
        assert_eq!(ng_ts_ns(5, 0, -10), 0); // clamped, never wraps
        assert_eq!(ng_ts_ns(u64::MAX, 0, i64::MAX), u64::MAX);
        assert_eq!(ng_ts_ns(123_456, 12, 0), 123);
        assert_eq!(ng_ts_ns(u64::MAX, 127, 0), 0);
        // Through the parser: no option means microseconds, if_tsoffset shifts, BE 2^-n works.
        let p = vec![1u8; 60];
        for big in [false, true] {
            let off = if big { [0, 0, 0, 0, 0, 0, 0, 100] } else { [100, 0, 0, 0, 0, 0, 0, 0] };
            let file = [
                shb(big),
                idb(big, 1, 65535, &[]),
                idb(big, 1, 65535, &[(opt::IF_TSRESOL, &[0x81]), (opt::IF_TSOFFSET, &off)]),
                epb(big, 0, 2_000_001, &p, 60),
                epb(big, 1, 3, &p, 60),
            ]
            .concat();
            let got = read_all(&file, 10).unwrap();
            assert_eq!(got[0].0.ts_ns, 2_000_001_000);
            assert_eq!(got[1].0.ts_ns, 101_500_000_000);
        }
    }

    #[test]
    fn link_type_errors() {
        let file = [shb(false), idb(false, 113, 0, &[]), epb(false, 0, 1, &[0; 60], 60)].concat();
        let e = read_all(&file, 10).err().unwrap();
        assert!(matches!(e, Error::Unsupported(_)) && e.to_string().contains("link type 113"), "{e}");
        let e = read_all(&[shb(true), idb(true, 228, 0, &[]), spb(true, 20, &[0; 20])].concat(), 10).err().unwrap();
        assert!(matches!(e, Error::Unsupported(_)) && e.to_string().contains("link type 228"), "{e}");
        // An unused non-Ethernet interface is fine: only packets are checked.
        assert!(read_all(&[shb(false), idb(false, 113, 0, &[])].concat(), 10).unwrap().is_empty());
    }

    #[test]
    fn malformed_packet_blocks() {
        let p = vec![0u8; 60];
        let head = [shb(false), idb(false, 1, 64, &[])].concat(); // 48 bytes
        malformed(&[head.clone(), epb(false, 0, 1, &[0; 65], 65)].concat(), &["snapshot length 64", "byte offset 68"]);
        let mut overrun = epb(false, 0, 1, &p, 60);
        overrun[20..24].copy_from_slice(&w32(61, false));
        malformed(&[head.clone(), overrun].concat(), &["overruns its 92-byte block"]);
        let mut bad_opt = idb(false, 1, 0, &[(9, &[6])]);
        bad_opt[18..20].copy_from_slice(&[200, 0]);
        malformed(&[shb(false), bad_opt].concat(), &["option 9 of length 200 overruns", "byte offset 44"]);
        malformed(&[shb(false), spb(false, 4, &[0; 4])].concat(), &["before any interface description block"]);
        // SPB: captured length is min(original length, snaplen).
        let got = read_all(&[head, spb(false, 1500, &[7; 68])].concat(), 10).unwrap();
        assert_eq!((got[0].0.caplen, got[0].0.origlen), (64, 1500));
    }
}
