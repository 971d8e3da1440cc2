//! Classic pcap writer (the pcap port's TX side / capture to file).
//!
//! We write classic pcap rather than pcapng: it is what DPDK's net_pcap and tcpdump produce, every
//! tool reads it, and a single Ethernet interface needs nothing pcapng adds. Fields are written
//! little-endian on every host; readers detect the byte order from the magic (draft-ietf-opsawg-pcap
//! Section 4), so files are byte-identical across machines.
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::format::{linktype, magic, DEFAULT_SNAPLEN, MAX_CAPLEN, PCAP_FILE_HEADER_LEN, PCAP_VERSION_MAJOR, PCAP_VERSION_MINOR};
use crate::error::{Error, Result};

/// Timestamp resolution of the written file, selected by its magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TsResolution {
    /// 0xa1b2c3d4: the traditional format, readable by the oldest tools.
    #[default]
    Micro,
    /// 0xa1b23c4d: keeps full nanosecond timestamps.
    Nano,
}

/// Buffered classic pcap writer for Ethernet frames. Dropping it flushes on a best-effort basis;
/// call `close` to see write errors.
pub struct PcapWriter {
    path: PathBuf,
    out: BufWriter<File>,
    resolution: TsResolution,
    snaplen: u32,
}

impl PcapWriter {
    /// Creates (truncating) `path` with snaplen 65535.
    pub fn create(path: impl AsRef<Path>, resolution: TsResolution) -> Result<Self> {
        Self::with_snaplen(path, resolution, DEFAULT_SNAPLEN)
    }

    /// Creates (truncating) `path`; frames longer than `snaplen` are cut to it (origlen keeps the
    /// real length). `snaplen` must be 1..=262144 so that our own reader accepts the file.
    pub fn with_snaplen(path: impl AsRef<Path>, resolution: TsResolution, snaplen: u32) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if snaplen == 0 || snaplen as usize > MAX_CAPLEN {
            return Err(Error::InvalidArgument(format!(
                "pcap file {}: snaplen {snaplen} is out of range; use 1..={MAX_CAPLEN} (65535 is the usual value)",
                path.display()
            )));
        }
        let file = File::create(&path).map_err(|e| {
            Error::Io(format!("pcap file {}: cannot create: {e}; check that the directory exists and is writable", path.display()))
        })?;
        let mut w = PcapWriter { path, out: BufWriter::with_capacity(64 * 1024, file), resolution, snaplen };
        let m = match resolution {
            TsResolution::Micro => magic::PCAP_MICRO,
            TsResolution::Nano => magic::PCAP_NANO,
        };
        // File header layout: draft-ietf-opsawg-pcap Section 4. The two reserved fields (historically
        // thiszone and sigfigs) must be zero.
        let mut h = [0u8; PCAP_FILE_HEADER_LEN];
        h[0..4].copy_from_slice(&m.to_le_bytes());
        h[4..6].copy_from_slice(&PCAP_VERSION_MAJOR.to_le_bytes());
        h[6..8].copy_from_slice(&PCAP_VERSION_MINOR.to_le_bytes());
        h[16..20].copy_from_slice(&snaplen.to_le_bytes());
        h[20..24].copy_from_slice(&linktype::ETHERNET.to_le_bytes());
        w.put(&h, "file header")?;
        Ok(w)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn put(&mut self, bytes: &[u8], what: &str) -> Result<()> {
        self.out
            .write_all(bytes)
            .map_err(|e| Error::Io(format!("pcap file {}: writing the {what} failed: {e}; check free disk space", self.path.display())))
    }

    /// Appends one frame captured at `ts_ns` nanoseconds since the Unix epoch. Frames longer than the
    /// snaplen are truncated in the file; the record keeps the full length as origlen.
    pub fn write_packet(&mut self, data: &[u8], ts_ns: u64) -> Result<()> {
        let origlen = u32::try_from(data.len()).map_err(|_| {
            Error::InvalidArgument(format!(
                "pcap file {}: packet of {} bytes is too long for a pcap record",
                self.path.display(),
                data.len()
            ))
        })?;
        let sec = u32::try_from(ts_ns / 1_000_000_000).map_err(|_| {
            Error::InvalidArgument(format!(
                "pcap file {}: timestamp {ts_ns} ns is past 2106, beyond the 32-bit seconds field of pcap; pass ns since the Unix epoch",
                self.path.display()
            ))
        })?;
        let sub_ns = (ts_ns % 1_000_000_000) as u32;
        let frac = match self.resolution {
            TsResolution::Micro => sub_ns / 1000,
            TsResolution::Nano => sub_ns,
        };
        let caplen = origlen.min(self.snaplen);
        // Record header: ts seconds, ts fraction, captured length, original length (Section 5).
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&sec.to_le_bytes());
        h[4..8].copy_from_slice(&frac.to_le_bytes());
        h[8..12].copy_from_slice(&caplen.to_le_bytes());
        h[12..16].copy_from_slice(&origlen.to_le_bytes());
        self.put(&h, "packet record header")?;
        self.put(&data[..caplen as usize], "packet data")
    }

    /// Pushes buffered records to the file (not fsync: the OS still owns durability).
    pub fn flush(&mut self) -> Result<()> {
        self.out.flush().map_err(|e| Error::Io(format!("pcap file {}: flush failed: {e}; check free disk space", self.path.display())))
    }

    /// Flushes and closes the file, reporting any error the drop would have swallowed.
    pub fn close(mut self) -> Result<()> {
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::tmp_path;
    use super::super::{FileFormat, PcapReader};
    use super::*;

    #[test]
    fn round_trip_both_magics() {
        let frames: Vec<Vec<u8>> = [60usize, 64, 128, 1514, 9000].iter().map(|&n| (0..n).map(|i| (i * 31 % 251) as u8).collect()).collect();
        let stamps = [0u64, 1, 999, 1_700_000_000_123_456_789, u64::from(u32::MAX) * 1_000_000_000 + 999_999_999];
        for res in [TsResolution::Micro, TsResolution::Nano] {
            let path = tmp_path("rt");
            let mut w = PcapWriter::create(&path, res).unwrap();
            for (f, &ts) in frames.iter().zip(&stamps) {
                w.write_packet(f, ts).unwrap();
            }
            w.flush().unwrap();
            w.close().unwrap();
            let head = std::fs::read(&path).unwrap();
            let want_magic: &[u8] = if res == TsResolution::Nano { &[0x4d, 0x3c, 0xb2, 0xa1] } else { &[0xd4, 0xc3, 0xb2, 0xa1] };
            assert_eq!(&head[..4], want_magic);
            assert_eq!(&head[16..24], &[0xff, 0xff, 0, 0, 1, 0, 0, 0]); // snaplen 65535, Ethernet
            let mut r = PcapReader::open(&path).unwrap();
            assert_eq!(r.format(), FileFormat::Pcap { nanos: res == TsResolution::Nano });
            let mut buf = vec![0u8; 65536];
            for (f, &ts) in frames.iter().zip(&stamps) {
                let p = r.next_packet(&mut buf).unwrap().unwrap();
                let want_ts = if res == TsResolution::Micro { ts - ts % 1000 } else { ts };
                assert_eq!((p.caplen, p.origlen as usize, p.ts_ns), (f.len(), f.len(), want_ts));
                assert_eq!(&buf[..p.caplen], &f[..]);
            }
            assert!(r.next_packet(&mut buf).unwrap().is_none());
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn snaplen_truncates_and_keeps_origlen() {
        let path = tmp_path("snap");
        let mut w = PcapWriter::with_snaplen(&path, TsResolution::Nano, 64).unwrap();
        w.write_packet(&[5u8; 100], 7).unwrap();
        w.close().unwrap();
        let mut r = PcapReader::open(&path).unwrap();
        let mut buf = [0u8; 128];
        let p = r.next_packet(&mut buf).unwrap().unwrap();
        assert_eq!((p.caplen, p.origlen, p.ts_ns), (64, 100, 7));
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn errors_name_the_file() {
        let path = tmp_path("err");
        for snap in [0, 300_000] {
            let e = PcapWriter::with_snaplen(&path, TsResolution::Micro, snap).err().unwrap();
            assert!(matches!(e, Error::InvalidArgument(_)) && e.to_string().contains(&*path.to_string_lossy()), "{e}");
        }
        let missing = std::env::temp_dir().join("ringway-no-such-dir/x.pcap");
        let e = PcapWriter::create(&missing, TsResolution::Micro).err().unwrap();
        assert!(matches!(e, Error::Io(_)) && e.to_string().contains("ringway-no-such-dir/x.pcap"), "{e}");
        let mut w = PcapWriter::create(&path, TsResolution::Micro).unwrap();
        let e = w.write_packet(&[0; 60], u64::MAX).err().unwrap();
        assert!(matches!(e, Error::InvalidArgument(_)) && e.to_string().contains("2106"), "{e}");
        let e = PcapReader::open(&missing).err().unwrap();
        assert!(matches!(e, Error::Io(_)) && e.to_string().contains("x.pcap"), "{e}");
        drop(w);
        std::fs::remove_file(&path).unwrap();
    }
}
