//! Classic libpcap format for `PcapReader`: one 24-byte file header, then records of a 16-byte
//! header plus the captured bytes (draft-ietf-opsawg-pcap Sections 4 and 5).
use std::io::{Read, Seek};

use super::format::{linktype, PCAP_FILE_HEADER_LEN, PCAP_RECORD_HEADER_LEN, PCAP_VERSION_MAJOR};
use super::reader::{rd16, rd32, PcapReader, Rec, State};
use crate::error::{Error, Result};

impl<R: Read + Seek> PcapReader<R> {
    /// Rest of the file header once the magic fixed byte order and resolution (Section 4).
    pub(super) fn read_pcap_header(&mut self, big: bool, nanos: bool) -> Result<()> {
        self.fill(PCAP_FILE_HEADER_LEN - 4, "pcap file header", false)?;
        let (major, snaplen, lt) = (rd16(&self.buf, 0, big), rd32(&self.buf, 12, big), rd32(&self.buf, 16, big));
        if major != PCAP_VERSION_MAJOR {
            return Err(Error::Unsupported(format!(
                "pcap file {}: format version {major}.x is not supported; only version 2.x exists (re-save the file with `editcap -F pcap`)",
                self.name
            )));
        }
        self.check_linktype(lt & linktype::PCAP_MASK)?;
        self.state = State::Pcap { big, nanos, snaplen };
        Ok(())
    }

    /// Classic record: header then data (draft-ietf-opsawg-pcap Section 5).
    pub(super) fn next_pcap_record(&mut self, big: bool, nanos: bool, snaplen: u32) -> Result<Option<Rec>> {
        let at = self.offset;
        if !self.fill(PCAP_RECORD_HEADER_LEN, "packet record header", true)? {
            return Ok(None);
        }
        let b = &self.buf;
        let (sec, frac) = (u64::from(rd32(b, 0, big)), u64::from(rd32(b, 4, big)));
        let (caplen, origlen) = (rd32(b, 8, big) as usize, rd32(b, 12, big));
        self.check_caplen(at + 8, caplen, snaplen)?;
        self.fill(caplen, "packet data", false)?;
        let ts_ns = sec * 1_000_000_000 + if nanos { frac } else { frac * 1000 };
        Ok(Some((0, caplen, origlen, ts_ns)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::MAX_CAPLEN;
    use super::super::testutil::{frame, pcap, read_all};
    use super::super::{FileFormat, PacketInfo, PcapReader};
    use super::*;
    use std::io::Cursor;

    #[test]
    fn pcap_all_four_magics() {
        let (a, b) = (frame(60, 1), frame(1514, 2));
        for big in [false, true] {
            for nanos in [false, true] {
                let file = pcap(big, nanos, 65535, 1, &[(10, 999, &a, 60), (11, 5, &b, 1514)]);
                let r = PcapReader::from_reader("x", Cursor::new(file.clone())).unwrap();
                assert_eq!(r.format(), FileFormat::Pcap { nanos });
                let got = read_all(&file, 10).unwrap();
                let unit = if nanos { 1 } else { 1000 };
                assert_eq!(got.len(), 2);
                assert_eq!(got[0].0, PacketInfo { caplen: 60, origlen: 60, ts_ns: 10_000_000_000 + 999 * unit });
                assert_eq!(got[1].0, PacketInfo { caplen: 1514, origlen: 1514, ts_ns: 11_000_000_000 + 5 * unit });
                assert_eq!((got[0].1.as_slice(), got[1].1.as_slice()), (a.as_slice(), b.as_slice()));
            }
        }
    }

    #[test]
    fn pcap_link_type_errors() {
        let e = read_all(&pcap(false, false, 65535, 113, &[]), 1).err().unwrap();
        let msg = e.to_string();
        assert!(matches!(e, Error::Unsupported(_)), "{e:?}");
        assert!(msg.contains("test.pcap") && msg.contains("link type 113") && msg.contains("Ethernet (link type 1"), "{msg}");
        // FCS flags in the upper bits of the LinkType field do not change the link type (Section 4).
        assert!(read_all(&pcap(true, false, 65535, 0x1400_0001, &[]), 1).is_ok());
    }

    #[test]
    fn pcap_malformed_inputs() {
        let bad = |bytes: &[u8], want: &[&str]| {
            let e = read_all(bytes, 10).expect_err("must fail");
            let msg = e.to_string();
            assert!(matches!(e, Error::Malformed(_)), "{e:?}");
            for w in want {
                assert!(msg.contains(w), "{msg} lacks {w}");
            }
        };
        bad(b"GIF89a..............................", &["byte offset 0", "bad magic number 0x38464947"]);
        bad(&[], &["byte offset 0", "truncated file header"]);
        let big = frame(100, 3);
        bad(&pcap(false, false, 64, 1, &[(0, 0, &big, 100)]), &["byte offset 32", "snapshot length 64"]);
        let huge = vec![0u8; MAX_CAPLEN + 4];
        bad(&pcap(false, false, 0, 1, &[(0, 0, &huge, 0)]), &["byte offset 32", "262144-byte limit"]);
        // caplen claims more bytes than the file holds.
        let mut f = pcap(false, false, 65535, 1, &[(0, 0, &big, 100)]);
        f.truncate(f.len() - 1);
        bad(&f, &["byte offset 40", "truncated packet data: needs 100 bytes but the file ends after 99"]);
    }

    #[test]
    fn pcap_truncated_at_every_length() {
        let (a, b) = (frame(60, 1), frame(70, 2));
        let file = pcap(true, true, 65535, 1, &[(1, 2, &a, 60), (3, 4, &b, 70)]);
        let boundaries = [24, 24 + 16 + 60, file.len()];
        for n in 0..=file.len() {
            match read_all(&file[..n], 10) {
                Ok(p) => assert!(boundaries.contains(&n) && p.len() == boundaries.iter().position(|&x| x == n).unwrap()),
                Err(e) => {
                    assert!(!boundaries.contains(&n) && matches!(e, Error::Malformed(_)) && e.to_string().contains("truncated"), "{n}: {e}")
                }
            }
        }
    }
}
