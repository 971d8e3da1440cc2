//! Builders for hand-made capture files, shared by the unit tests of this module.
use std::io::Cursor;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use super::format::{block, pad4};
use super::{PacketInfo, PcapReader};
use crate::error::{Error, Result};

pub fn w16(v: u16, big: bool) -> [u8; 2] {
    if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

pub fn w32(v: u32, big: bool) -> [u8; 4] {
    if big {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    }
}

/// Classic pcap file; records are (seconds, fraction, data, origlen).
pub fn pcap(big: bool, nanos: bool, snaplen: u32, lt: u32, recs: &[(u32, u32, &[u8], u32)]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend(w32(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }, big));
    v.extend(w16(2, big));
    v.extend(w16(4, big));
    v.extend([0u8; 8]);
    v.extend(w32(snaplen, big));
    v.extend(w32(lt, big));
    for (sec, frac, data, orig) in recs {
        for x in [*sec, *frac, data.len() as u32, *orig] {
            v.extend(w32(x, big));
        }
        v.extend(*data);
    }
    v
}

/// A pcapng block: type, total length, body padded to 32 bits, total length again (Section 3.1).
pub fn ng_block(big: bool, btype: u32, body: &[u8]) -> Vec<u8> {
    let len = (12 + pad4(body.len())) as u32;
    let mut v = Vec::new();
    v.extend(w32(btype, big));
    v.extend(w32(len, big));
    v.extend(body);
    v.resize(8 + pad4(body.len()), 0);
    v.extend(w32(len, big));
    v
}

pub fn shb(big: bool) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(w32(0x1a2b_3c4d, big));
    b.extend(w16(1, big));
    b.extend(w16(0, big));
    b.extend([0xff; 8]); // section length -1: unspecified
    ng_block(big, block::SHB, &b)
}

pub fn idb(big: bool, lt: u16, snaplen: u32, opts: &[(u16, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(w16(lt, big));
    b.extend([0, 0]);
    b.extend(w32(snaplen, big));
    for (code, val) in opts {
        b.extend(w16(*code, big));
        b.extend(w16(val.len() as u16, big));
        b.extend(*val);
        b.resize(pad4(b.len()), 0);
    }
    if !opts.is_empty() {
        b.extend([0u8; 4]); // opt_endofopt
    }
    ng_block(big, block::IDB, &b)
}

pub fn epb(big: bool, ifid: u32, units: u64, data: &[u8], origlen: u32) -> Vec<u8> {
    let mut b = Vec::new();
    for x in [ifid, (units >> 32) as u32, units as u32, data.len() as u32, origlen] {
        b.extend(w32(x, big));
    }
    b.extend(data);
    ng_block(big, block::EPB, &b)
}

pub fn spb(big: bool, origlen: u32, data: &[u8]) -> Vec<u8> {
    let mut b = w32(origlen, big).to_vec();
    b.extend(data);
    ng_block(big, block::SPB, &b)
}

/// Reads every packet of an in-memory file (at most `cap` packets).
pub fn read_all(bytes: &[u8], cap: usize) -> Result<Vec<(PacketInfo, Vec<u8>)>> {
    let mut r = PcapReader::from_reader("test.pcap", Cursor::new(bytes.to_vec()))?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 300 * 1024];
    while out.len() < cap {
        match r.next_packet(&mut buf)? {
            Some(p) => out.push((p, buf[..p.caplen].to_vec())),
            None => break,
        }
    }
    Ok(out)
}

/// A fresh path in the temp dir, unique per process and call.
pub fn tmp_path(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("ringway-pcap-{}-{tag}-{n}.pcap", std::process::id()))
}

/// xorshift64: deterministic noise for the no-panic tests.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A recognisable frame of `n` bytes.
pub fn frame(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect()
}

/// Reading `bytes` must fail with `Error::Malformed` whose message contains every `want`.
pub fn assert_malformed(bytes: &[u8], want: &[&str]) {
    let e = read_all(bytes, 10).expect_err("must fail");
    let msg = e.to_string();
    assert!(matches!(e, Error::Malformed(_)), "{e:?}");
    for w in want {
        assert!(msg.contains(w), "{msg} lacks {w}");
    }
}
