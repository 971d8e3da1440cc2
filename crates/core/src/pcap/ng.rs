//! pcapng section and block framing for `PcapReader` (draft-ietf-opsawg-pcapng).
//!
//! A file is a sequence of sections, each an SHB followed by IDBs and packet blocks (Section 3.3). Only
//! SHB, IDB, EPB and SPB matter to a packet replayer; all other blocks are streamed past by length.
//! The packet-describing blocks themselves are parsed in `ng_blocks.rs`.
use std::io::{Read, Seek};

use super::format::{block, magic, ng_len, MAX_PARSED_BLOCK, PCAPNG_VERSION_MAJOR};
use super::reader::{rd16, rd32, PcapReader, Rec, State};
use crate::error::{Error, Result};

impl<R: Read + Seek> PcapReader<R> {
    /// Parses a Section Header Block whose type and raw length were already consumed at `start`
    /// (Section 4.1). The Byte-Order Magic fixes the byte order of the whole section, including the
    /// length we already read, and a new section starts a new interface list.
    pub(super) fn read_shb(&mut self, start: u64, raw_len: [u8; 4]) -> Result<()> {
        self.fill(4, "section header block", false)?;
        let bom = rd32(&self.buf, 0, false);
        let big = match bom {
            magic::PCAPNG_BOM => false,
            x if x == magic::PCAPNG_BOM.swap_bytes() => true,
            _ => {
                return Err(
                    self.malformed(start + 8, format!("bad pcapng byte-order magic 0x{bom:08x} (expected 1a2b3c4d in either byte order)"))
                )
            }
        };
        let len = rd32(&raw_len, 0, big) as usize;
        if len < ng_len::SHB_MIN || !len.is_multiple_of(4) || len > MAX_PARSED_BLOCK {
            return Err(self.malformed(
                start + 4,
                format!("bad section header block length {len} (must be a multiple of 4, 28..={MAX_PARSED_BLOCK})"),
            ));
        }
        self.fill(len - 12, "section header block", false)?;
        let major = rd16(&self.buf, 0, big);
        if major != PCAPNG_VERSION_MAJOR {
            return Err(Error::Unsupported(format!(
                "pcap file {}: pcapng major version {major} at byte offset {start} is not supported, only version 1 is; re-save the file with `editcap -F pcapng`",
                self.name
            )));
        }
        self.check_trailer(start, len, len - 16, big)?;
        match &mut self.state {
            State::Ng { big: b, ifaces } => {
                *b = big;
                ifaces.clear();
            }
            s => *s = State::Ng { big, ifaces: Vec::new() },
        }
        Ok(())
    }

    /// Walks blocks until a packet block (EPB, Section 4.3; SPB, Section 4.4). Returns None at a clean
    /// end of file.
    pub(super) fn next_ng_packet(&mut self) -> Result<Option<Rec>> {
        loop {
            let start = self.offset;
            if !self.fill(8, "block header", true)? {
                return Ok(None);
            }
            let big = matches!(self.state, State::Ng { big: true, .. });
            // The SHB type is a palindrome, so it is recognisable before we know the new byte order.
            let btype = rd32(&self.buf, 0, big);
            if btype == block::SHB {
                let raw_len = [self.buf[4], self.buf[5], self.buf[6], self.buf[7]];
                self.read_shb(start, raw_len)?;
                continue;
            }
            let len = rd32(&self.buf, 4, big) as usize;
            if len < ng_len::BLOCK_OVERHEAD || !len.is_multiple_of(4) {
                return Err(self.malformed(
                    start + 4,
                    format!("bad block total length {len} for block type 0x{btype:08x} (must be a multiple of 4 and at least 12)"),
                ));
            }
            if !matches!(btype, block::IDB | block::EPB | block::SPB) {
                self.skip((len - 12) as u64, "block")?;
                self.fill(4, "block trailer", false)?;
                self.check_trailer(start, len, 0, big)?;
                continue;
            }
            if len > MAX_PARSED_BLOCK {
                return Err(self.malformed(start + 4, format!("block length {len} exceeds the {MAX_PARSED_BLOCK}-byte limit")));
            }
            self.fill(len - 8, "block", false)?;
            self.check_trailer(start, len, len - 12, big)?;
            let body_len = len - 12;
            match btype {
                block::IDB => self.parse_idb(start, body_len, big)?,
                block::EPB => return self.parse_epb(start, body_len, big).map(Some),
                _ => return self.parse_spb(start, body_len, big).map(Some),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::opt;
    use super::super::testutil::{assert_malformed as malformed, epb, idb, ng_block, read_all, shb, spb, w32};
    use super::super::{FileFormat, PcapReader};
    use super::*;
    use std::io::Cursor;

    const TS: u64 = 1_700_000_000_123_456_789; // ns

    #[test]
    fn both_byte_orders_with_tsresol_and_skipped_blocks() {
        let (p1, p2) = (vec![0xab; 60], vec![0xcd; 71]);
        for big in [false, true] {
            let file = [
                shb(big),
                idb(big, 1, 0, &[(2, b"eth0"), (opt::IF_TSRESOL, &[9])]),
                ng_block(big, block::NRB, &[0; 12]),
                epb(big, 0, TS, &p1, 60),
                ng_block(big, block::CUSTOM, &[1, 2, 3, 4, 5]),
                ng_block(big, block::ISB, &[0; 20]),
                spb(big, 71, &p2),
            ]
            .concat();
            let r = PcapReader::from_reader("x", Cursor::new(file.clone())).unwrap();
            assert_eq!(r.format(), FileFormat::Pcapng);
            let got = read_all(&file, 10).unwrap();
            assert_eq!(got.len(), 2, "big={big}");
            assert_eq!((got[0].0.caplen, got[0].0.origlen, got[0].0.ts_ns), (60, 60, TS));
            assert_eq!((got[1].0.caplen, got[1].0.origlen, got[1].0.ts_ns), (71, 71, 0));
            assert_eq!((&got[0].1, &got[1].1), (&p1, &p2));
        }
    }

    #[test]
    fn multiple_sections_switch_byte_order_and_interfaces() {
        let (p1, p2) = (vec![2u8; 64], vec![3u8; 65]);
        let file = [
            shb(false),
            idb(false, 1, 0, &[(opt::IF_TSRESOL, &[9])]),
            epb(false, 0, 42, &p1, 64),
            shb(true),
            idb(true, 1, 0, &[(opt::IF_TSRESOL, &[3])]),
            epb(true, 0, 42, &p2, 100),
        ]
        .concat();
        let mut r = PcapReader::from_reader("x", Cursor::new(file)).unwrap();
        let mut buf = [0u8; 128];
        for _ in 0..2 {
            let a = r.next_packet(&mut buf).unwrap().unwrap();
            assert_eq!((a.caplen, a.ts_ns, buf[0]), (64, 42, 2));
            let b = r.next_packet(&mut buf).unwrap().unwrap();
            assert_eq!((b.caplen, b.origlen, b.ts_ns, buf[0]), (65, 100, 42_000_000, 3));
            assert!(r.next_packet(&mut buf).unwrap().is_none());
            r.rewind().unwrap();
        }
        // Interface ids restart per section: a second section without an IDB has none.
        let orphan = [shb(false), idb(false, 1, 0, &[]), shb(true), epb(true, 0, 1, &p1, 64)].concat();
        malformed(&orphan, &["refers to interface 0", "declares 0 interface(s)", "byte offset 84"]);
    }

    #[test]
    fn malformed_blocks() {
        let p = vec![0u8; 60];
        let head = [shb(false), idb(false, 1, 64, &[])].concat(); // 48 bytes
        let mut bad_bom = shb(false);
        bad_bom[8] = 0;
        malformed(&bad_bom, &["byte offset 8", "byte-order magic"]);
        malformed(&[head.clone(), w32(6, false).to_vec(), w32(13, false).to_vec()].concat(), &["byte offset 52", "block total length 13"]);
        malformed(&[head.clone(), w32(6, false).to_vec(), w32(8, false).to_vec()].concat(), &["byte offset 52", "block total length 8"]);
        let mut trailer = epb(false, 0, 1, &p, 60);
        let n = trailer.len();
        trailer[n - 4] ^= 4;
        malformed(&[head.clone(), trailer].concat(), &["trailing length", "byte offset 136"]);
        let mut v2 = shb(true);
        v2[12..14].copy_from_slice(&[0, 2]);
        let e = read_all(&v2, 10).err().unwrap();
        assert!(matches!(e, Error::Unsupported(_)) && e.to_string().contains("major version 2"), "{e}");
    }

    #[test]
    fn truncated_at_every_length() {
        for big in [false, true] {
            let blocks = [shb(big), idb(big, 1, 0, &[(9, &[9])]), ng_block(big, block::NRB, &[0; 8]), epb(big, 0, 5, &[9; 61], 61)];
            let file = blocks.concat();
            let mut ends = Vec::new();
            blocks.iter().fold(0, |acc, b| {
                ends.push(acc + b.len());
                acc + b.len()
            });
            for n in 0..=file.len() {
                match read_all(&file[..n], 10) {
                    Ok(p) => assert!(ends.contains(&n) && p.len() == usize::from(n == file.len()), "{n}"),
                    Err(e) => assert!(!ends.contains(&n) && e.to_string().contains("truncated"), "{n}: {e}"),
                }
            }
        }
    }
}
