//! Streaming reader for classic pcap and pcapng capture files (the pcap port's RX side).
//!
//! Every length in the file is untrusted: each is bounds-checked before use, and any inconsistency
//! becomes `Error::Malformed` naming the file and the byte offset, never a panic or a huge allocation.
//! Packet bytes go through one internal buffer that only grows (to the largest block seen), so steady
//! state reading does not allocate.
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use super::format::{linktype, magic, MAX_CAPLEN};
use super::ng_blocks::Iface;
use crate::error::{Error, Result};

/// What `PcapReader::next_packet` delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    /// Bytes written to the caller's buffer: the captured length, cut to the buffer size if smaller.
    pub caplen: usize,
    /// Length of the frame on the wire (may exceed `caplen` when the capture used a snaplen).
    pub origlen: u32,
    /// Capture time in nanoseconds since the Unix epoch (0 for pcapng Simple Packet Blocks, which
    /// carry no timestamp).
    pub ts_ns: u64,
}

/// Which container the file uses, as detected from its first four bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// Classic libpcap; `nanos` is true for the 0xa1b23c4d magic.
    Pcap {
        nanos: bool,
    },
    Pcapng,
}

/// A packet found in `buf`: (data offset in `buf`, captured length, original length, timestamp ns).
pub(super) type Rec = (usize, usize, u32, u64);

pub(super) enum State {
    Pcap { big: bool, nanos: bool, snaplen: u32 },
    // Interfaces are numbered per section (Section 4.2), so a new SHB clears the list.
    Ng { big: bool, ifaces: Vec<Iface> },
}

/// Reads Ethernet frames from a pcap or pcapng file. `R` is any seekable byte source; `open` gives a
/// buffered file.
pub struct PcapReader<R = BufReader<File>> {
    pub(super) name: String,
    pub(super) inner: R,
    /// Bytes consumed so far: the offset that error messages report.
    pub(super) offset: u64,
    pub(super) state: State,
    pub(super) buf: Vec<u8>,
}

impl PcapReader {
    /// Opens `path` and validates its file header (or first pcapng Section Header Block).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|e| {
            Error::Io(format!("pcap file {}: cannot open for reading: {e}; check the path and its permissions", path.display()))
        })?;
        Self::from_reader(path.display().to_string(), BufReader::with_capacity(64 * 1024, file))
    }
}

pub(super) fn rd16(b: &[u8], i: usize, big: bool) -> u16 {
    let a: [u8; 2] = b.get(i..i + 2).and_then(|s| s.try_into().ok()).unwrap_or_default();
    if big {
        u16::from_be_bytes(a)
    } else {
        u16::from_le_bytes(a)
    }
}

pub(super) fn rd32(b: &[u8], i: usize, big: bool) -> u32 {
    let a: [u8; 4] = b.get(i..i + 4).and_then(|s| s.try_into().ok()).unwrap_or_default();
    if big {
        u32::from_be_bytes(a)
    } else {
        u32::from_le_bytes(a)
    }
}

impl<R: Read + Seek> PcapReader<R> {
    /// Wraps an already-open source; `name` is used in error messages.
    pub fn from_reader(name: impl Into<String>, inner: R) -> Result<Self> {
        let state = State::Ng { big: false, ifaces: Vec::new() };
        let mut r = PcapReader { name: name.into(), inner, offset: 0, state, buf: Vec::new() };
        r.read_file_header()?;
        Ok(r)
    }

    /// The file name used in error messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn format(&self) -> FileFormat {
        match self.state {
            State::Pcap { nanos, .. } => FileFormat::Pcap { nanos },
            State::Ng { .. } => FileFormat::Pcapng,
        }
    }

    /// Goes back to the first packet (used for `loop` replay). Re-validates the header.
    pub fn rewind(&mut self) -> Result<()> {
        self.inner
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::Io(format!("pcap file {}: cannot seek to the start to rewind: {e}", self.name)))?;
        self.offset = 0;
        self.read_file_header()
    }

    pub(super) fn malformed(&self, at: u64, what: impl std::fmt::Display) -> Error {
        Error::Malformed(format!(
            "pcap file {}: byte offset {at}: {what}; the file is truncated or corrupt (inspect it with `capinfos`, or re-save it with `editcap`)",
            self.name
        ))
    }

    /// Reads exactly `n` bytes into `self.buf[..n]`. Returns Ok(false) only on a clean end of file
    /// before the first byte when `eof_ok`; a partial read is a truncated file.
    pub(super) fn fill(&mut self, n: usize, what: &str, eof_ok: bool) -> Result<bool> {
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
        let mut got = 0;
        while got < n {
            match self.inner.read(&mut self.buf[got..n]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::Io(format!("pcap file {}: read failed at byte offset {}: {e}", self.name, self.offset))),
            }
        }
        if got == 0 && eof_ok {
            return Ok(false);
        }
        if got < n {
            return Err(self.malformed(self.offset, format!("truncated {what}: needs {n} bytes but the file ends after {got}")));
        }
        self.offset += n as u64;
        Ok(true)
    }

    /// Streams past `n` bytes without buffering them (skipped pcapng blocks can be any size).
    pub(super) fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        let copied = io::copy(&mut (&mut self.inner).take(n), &mut io::sink())
            .map_err(|e| Error::Io(format!("pcap file {}: read failed at byte offset {}: {e}", self.name, self.offset)))?;
        if copied < n {
            return Err(self.malformed(self.offset, format!("truncated {what}: needs {n} bytes but the file ends after {copied}")));
        }
        self.offset += n;
        Ok(())
    }

    fn read_file_header(&mut self) -> Result<()> {
        self.fill(4, "file header", false)?;
        let m = rd32(&self.buf, 0, false);
        // The magic tells byte order and resolution at once (draft-ietf-opsawg-pcap Section 4).
        let (big, nanos) = match m {
            magic::PCAPNG_SHB => {
                self.fill(4, "section header block", false)?;
                let raw_len = [self.buf[0], self.buf[1], self.buf[2], self.buf[3]];
                return self.read_shb(0, raw_len);
            }
            magic::PCAP_MICRO => (false, false),
            magic::PCAP_NANO => (false, true),
            x if x == magic::PCAP_MICRO.swap_bytes() => (true, false),
            x if x == magic::PCAP_NANO.swap_bytes() => (true, true),
            _ => {
                return Err(self.malformed(
                    0,
                    format!("bad magic number 0x{m:08x}: expected pcap (a1b2c3d4 or a1b23c4d, either byte order) or pcapng (0a0d0d0a)"),
                ))
            }
        };
        self.read_pcap_header(big, nanos)
    }

    pub(super) fn check_linktype(&self, lt: u32) -> Result<()> {
        if lt == linktype::ETHERNET {
            return Ok(());
        }
        Err(Error::Unsupported(format!(
            "pcap file {}: link type {lt} is not supported; the pcap port only accepts Ethernet (link type 1, LINKTYPE_ETHERNET); re-capture on an Ethernet interface (e.g. `tcpdump -i eth0 -w FILE`; `-i any` writes Linux cooked link type 113)",
            self.name
        )))
    }

    /// The trailing Block Total Length must repeat the leading one (draft-ietf-opsawg-pcapng
    /// Section 3.1); it was read into `self.buf` at `pos`.
    pub(super) fn check_trailer(&self, start: u64, len: usize, pos: usize, big: bool) -> Result<()> {
        let trailer = rd32(&self.buf, pos, big) as usize;
        if trailer != len {
            return Err(
                self.malformed(start + len as u64 - 4, format!("block trailing length {trailer} does not match leading length {len}"))
            );
        }
        Ok(())
    }

    /// Next packet into `out`. Returns Ok(None) at end of file.
    pub fn next_packet(&mut self, out: &mut [u8]) -> Result<Option<PacketInfo>> {
        let (data_at, caplen, origlen, ts_ns) = match self.state {
            State::Pcap { big, nanos, snaplen } => match self.next_pcap_record(big, nanos, snaplen)? {
                Some(r) => r,
                None => return Ok(None),
            },
            State::Ng { .. } => match self.next_ng_packet()? {
                Some(r) => r,
                None => return Ok(None),
            },
        };
        let n = caplen.min(out.len());
        out[..n].copy_from_slice(&self.buf[data_at..data_at + n]);
        Ok(Some(PacketInfo { caplen: n, origlen, ts_ns }))
    }

    pub(super) fn check_caplen(&self, at: u64, caplen: usize, snaplen: u32) -> Result<()> {
        if caplen > MAX_CAPLEN {
            return Err(self.malformed(at, format!("captured length {caplen} exceeds the {MAX_CAPLEN}-byte limit")));
        }
        if snaplen != 0 && caplen > snaplen as usize {
            return Err(self.malformed(at, format!("captured length {caplen} exceeds the snapshot length {snaplen}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{epb, frame, idb, pcap, read_all, shb, Rng};
    use super::*;
    use std::io::Cursor;

    #[test]
    fn rewind_and_short_buffer() {
        let a = frame(200, 9);
        let file = pcap(false, false, 65535, 1, &[(1, 0, &a, 300)]);
        let mut r = PcapReader::from_reader("x", Cursor::new(file)).unwrap();
        let mut small = [0u8; 64];
        for _ in 0..3 {
            let p = r.next_packet(&mut small).unwrap().unwrap();
            // A buffer smaller than the packet gets its prefix; origlen still tells the true length.
            assert_eq!((p.caplen, p.origlen), (64, 300));
            assert_eq!(&small[..], &a[..64]);
            assert!(r.next_packet(&mut small).unwrap().is_none());
            r.rewind().unwrap();
        }
    }

    #[test]
    fn garbage_and_mutations_never_panic() {
        let pkt = frame(64, 5);
        let seeds = [
            pcap(false, false, 65535, 1, &[(1, 2, &pkt, 64), (3, 4, &pkt, 64)]),
            pcap(true, true, 128, 1, &[(1, 2, &pkt, 64)]),
            [shb(false), idb(false, 1, 0, &[(9, &[9])]), epb(false, 0, 77, &pkt, 64)].concat(),
            [shb(true), idb(true, 1, 96, &[(9, &[0x8a])]), epb(true, 0, 77, &pkt, 64), shb(false)].concat(),
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for i in 0..4000 {
            let mut f =
                if i % 5 == 0 { (0..rng.below(120)).map(|_| rng.next() as u8).collect() } else { seeds[rng.below(seeds.len())].clone() };
            for _ in 0..rng.below(6) {
                let at = rng.below(f.len());
                if let Some(b) = f.get_mut(at) {
                    *b = if rng.below(3) == 0 { 0xff } else { rng.next() as u8 };
                }
            }
            if rng.below(3) == 0 {
                f.truncate(rng.below(f.len() + 1));
            }
            // Any Ok or Err is fine; a panic or a hang fails the test.
            let _ = read_all(&f, 100);
        }
    }
}
