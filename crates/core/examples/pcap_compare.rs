//! Our pcap/pcapng reader against the `pcap-parser` crate (rusticata, streaming, borrows blocks
//! from its own buffer) on the same files, for the library choice recorded in docs/ports.md.
//!
//!   cargo run --release -p ringway-core --example pcap_compare [PACKETS] [REPS]
//!
//! Writes a classic pcap (our writer) and a pcapng (Section Header, Interface Description and
//! Enhanced Packet Blocks written here) of PACKETS Ethernet frames of 60..1514 bytes, then reads
//! each file REPS times with each reader, alternating. Both readers end with every packet's
//! bytes in a 2 KiB destination buffer, as the pcap port needs them (in a pool buffer): ours
//! copies there itself; with pcap-parser the borrowed block is copied there. The files are in the
//! page cache after the first pass, so this is parsing cost, not disk speed. Prints MB/s (file
//! bytes) and Mpackets/s per reader and format, medians of REPS, and one JSON line.
use pcap_parser::{create_reader, Block, PcapBlockOwned, PcapError};
use ringway_core::pcap::{PcapReader, PcapWriter, TsResolution};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn frame(i: usize, buf: &mut [u8]) -> usize {
    let len = 60 + (i * 7919) % (1514 - 60 + 1);
    for (k, b) in buf[..len].iter_mut().enumerate() {
        *b = (i + k) as u8;
    }
    len
}

fn write_pcap(path: &Path, n: usize) {
    let mut w = PcapWriter::create(path, TsResolution::Nano).expect("create pcap");
    let mut buf = [0u8; 1514];
    for i in 0..n {
        let len = frame(i, &mut buf);
        w.write_packet(&buf[..len], i as u64 * 1000).expect("write pcap");
    }
    w.close().expect("close pcap");
}

// pcapng 1.0 (draft-ietf-opsawg-pcapng) little-endian blocks: type, total length, body, total length.
fn block(out: &mut impl Write, btype: u32, body: &[u8]) {
    let total = (12 + body.len()) as u32;
    out.write_all(&btype.to_le_bytes()).unwrap();
    out.write_all(&total.to_le_bytes()).unwrap();
    out.write_all(body).unwrap();
    out.write_all(&total.to_le_bytes()).unwrap();
}

fn write_pcapng(path: &Path, n: usize) {
    let mut w = BufWriter::new(File::create(path).expect("create pcapng"));
    // SHB §4.1: byte-order magic, version 1.0, section length unknown (-1)
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
    shb.extend_from_slice(&1u16.to_le_bytes());
    shb.extend_from_slice(&0u16.to_le_bytes());
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut w, 0x0A0D_0D0A, &shb);
    // IDB §4.2: LINKTYPE_ETHERNET (1), snaplen 0 (no limit)
    let mut idb = Vec::new();
    idb.extend_from_slice(&1u16.to_le_bytes());
    idb.extend_from_slice(&0u16.to_le_bytes());
    idb.extend_from_slice(&0u32.to_le_bytes());
    block(&mut w, 1, &idb);
    // EPB §4.3: interface 0, timestamp (µs, the default if_tsresol), caplen, origlen, data padded to 32 bits
    let mut buf = [0u8; 1514];
    let mut epb = Vec::with_capacity(1600);
    for i in 0..n {
        let len = frame(i, &mut buf);
        let ts = i as u64;
        epb.clear();
        epb.extend_from_slice(&0u32.to_le_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&(len as u32).to_le_bytes());
        epb.extend_from_slice(&(len as u32).to_le_bytes());
        epb.extend_from_slice(&buf[..len]);
        epb.resize(epb.len().next_multiple_of(4), 0);
        block(&mut w, 6, &epb);
    }
    w.flush().unwrap();
}

/// Our reader: packets straight into the destination buffer. Returns (packets, payload bytes).
fn read_ours(path: &Path, dst: &mut [u8]) -> (usize, usize) {
    let mut r = PcapReader::open(path).expect("open (ours)");
    let (mut n, mut bytes) = (0, 0);
    while let Some(p) = r.next_packet(dst).expect("read (ours)") {
        n += 1;
        bytes += p.caplen;
    }
    (n, bytes)
}

/// pcap-parser: borrowed block, then copied into the destination buffer.
fn read_theirs(path: &Path, dst: &mut [u8]) -> (usize, usize) {
    let mut r = create_reader(64 * 1024, File::open(path).expect("open (pcap-parser)")).expect("create_reader");
    let (mut n, mut bytes) = (0, 0);
    loop {
        match r.next() {
            Ok((off, b)) => {
                let data = match b {
                    PcapBlockOwned::Legacy(p) => Some(p.data),
                    PcapBlockOwned::NG(Block::EnhancedPacket(p)) => Some(&p.data[..p.caplen as usize]),
                    PcapBlockOwned::NG(Block::SimplePacket(p)) => Some(p.data),
                    _ => None,
                };
                if let Some(d) = data {
                    let len = d.len().min(dst.len());
                    dst[..len].copy_from_slice(&d[..len]);
                    n += 1;
                    bytes += len;
                }
                r.consume(off);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => r.refill().expect("refill (pcap-parser)"),
            Err(e) => panic!("pcap-parser: {e:?}"),
        }
    }
    (n, bytes)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().map_or(200_000, |s| s.parse().expect("PACKETS"));
    let reps: usize = args.next().map_or(5, |s| s.parse().expect("REPS"));
    let dir = std::env::temp_dir();
    let files: [(&str, PathBuf); 2] = [("pcap", dir.join("ringway-cmp.pcap")), ("pcapng", dir.join("ringway-cmp.pcapng"))];
    write_pcap(&files[0].1, n);
    write_pcapng(&files[1].1, n);
    let mut dst = vec![0u8; 2048];
    let mut json = Vec::new();
    for (fmt, path) in &files {
        let size = std::fs::metadata(path).unwrap().len() as f64;
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for rep in 0..reps + 1 {
            for who in if rep % 2 == 0 { ["ours", "theirs"] } else { ["theirs", "ours"] } {
                let t = Instant::now();
                let (got, _) = if who == "ours" { read_ours(path, &mut dst) } else { read_theirs(path, &mut dst) };
                let s = t.elapsed().as_secs_f64();
                assert_eq!(got, n, "{who} read {got} of {n} packets from {fmt}");
                if rep > 0 {
                    // rep 0 warms the page cache
                    if who == "ours" {
                        ours.push(s)
                    } else {
                        theirs.push(s)
                    }
                }
            }
        }
        let (so, st) = (median(ours), median(theirs));
        println!(
            "{fmt:7} {:.1} MB, {n} packets: ours {:.0} MB/s {:.2} Mpps | pcap-parser {:.0} MB/s {:.2} Mpps | ours/theirs {:.2}",
            size / 1e6,
            size / so / 1e6,
            n as f64 / so / 1e6,
            size / st / 1e6,
            n as f64 / st / 1e6,
            st / so
        );
        json.push(format!(
            "\"{fmt}\":{{\"mb_per_s_ours\":{:.0},\"mb_per_s_theirs\":{:.0},\"mpps_ours\":{:.3},\"mpps_theirs\":{:.3},\"ratio\":{:.3}}}",
            size / so / 1e6,
            size / st / 1e6,
            n as f64 / so / 1e6,
            n as f64 / st / 1e6,
            st / so
        ));
    }
    for (_, p) in &files {
        let _ = std::fs::remove_file(p);
    }
    println!("{{\"bench\":\"pcap_compare\",\"packets\":{n},\"reps\":{reps},{}}}", json.join(","));
}
