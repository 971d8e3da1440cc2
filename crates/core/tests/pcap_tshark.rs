//! Cross-checks our pcap writer and reader against Wireshark's own tools: tshark must read back exactly
//! the frames and timestamps we wrote, and our reader must read exactly what editcap converts to pcapng.
//!
//! Needs `tshark` and `editcap` on PATH; CI installs them with
//! `apt-get install -y --no-install-recommends tshark`. Without them the test prints a skip notice and
//! passes, so a bare developer machine still runs `cargo test`.
use std::path::{Path, PathBuf};
use std::process::Command;

use ringway_core::pcap::{FileFormat, PcapReader, PcapWriter, TsResolution};

const FRAMES: usize = 100;
const BASE_NS: u64 = 1_700_000_000_000_000_000;
/// IEEE 802 local experimental EtherType: tshark shows the payload as plain data, so `-x` prints one
/// data source per frame with nothing reassembled or decoded on top.
const ETHERTYPE_EXPERIMENTAL: [u8; 2] = [0x88, 0xb5];

/// 100 frames from 60 to 1514 bytes (both ends included); every 7th carries an 802.1Q tag.
fn frames() -> Vec<(Vec<u8>, u64, Option<u16>)> {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..FRAMES)
        .map(|i| {
            let len = 60 + (1514 - 60) * i / (FRAMES - 1);
            let vlan = (i % 7 == 3).then_some(100 + i as u16);
            let mut f = vec![0x02, 0, 0, 0, 0, i as u8, 0x02, 0, 0, 0, 1, i as u8];
            if let Some(id) = vlan {
                f.extend([0x81, 0x00]);
                f.extend(id.to_be_bytes()); // PCP 0, DEI 0, VID = id
            }
            f.extend(ETHERTYPE_EXPERIMENTAL);
            while f.len() < len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                f.push(seed as u8);
            }
            // Nanosecond digits that a microsecond file would lose, to prove they survive.
            (f, BASE_NS + i as u64 * 1_234_567_891 + i as u64, vlan)
        })
        .collect()
}

fn tool(dir: &Path, name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).env("HOME", dir).output().unwrap_or_else(|e| panic!("running {name}: {e}"));
    assert!(out.status.success(), "{name} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

fn have_tools() -> bool {
    ["tshark", "editcap"].iter().all(|t| Command::new(t).arg("--version").output().is_ok_and(|o| o.status.success()))
}

fn write(path: &Path, res: TsResolution, frames: &[(Vec<u8>, u64, Option<u16>)]) {
    let mut w = PcapWriter::create(path, res).unwrap();
    for (f, ts, _) in frames {
        w.write_packet(f, *ts).unwrap();
    }
    w.close().unwrap();
}

/// "1700000000.123456789" -> ns, without going through floating point.
fn epoch_ns(s: &str) -> u64 {
    let (sec, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<9}");
    sec.parse::<u64>().unwrap() * 1_000_000_000 + frac[..9].parse::<u64>().unwrap()
}

/// Concatenated frame bytes from `tshark -x` ("OFFS  hh hh ..   ascii" lines). Each line holds
/// min(16, bytes left in the frame) hex tokens before the ASCII column, so we take exactly that many.
fn hex_stream(dump: &str, lens: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut frame, mut left) = (0, lens[0]);
    for line in dump.lines().filter(|l| l.len() > 6 && l.as_bytes()[..4].iter().all(u8::is_ascii_hexdigit)) {
        let n = left.min(16);
        out.extend(line[4..].split_whitespace().take(n).map(|t| u8::from_str_radix(t, 16).unwrap()));
        left -= n;
        if left == 0 && frame + 1 < lens.len() {
            frame += 1;
            left = lens[frame];
        }
    }
    out
}

fn read_ours(path: &Path) -> (FileFormat, Vec<(Vec<u8>, u64)>) {
    let mut r = PcapReader::open(path).unwrap();
    let mut buf = vec![0u8; 65536];
    let mut got = Vec::new();
    while let Some(p) = r.next_packet(&mut buf).unwrap() {
        assert_eq!(p.caplen, p.origlen as usize);
        got.push((buf[..p.caplen].to_vec(), p.ts_ns));
    }
    (r.format(), got)
}

#[test]
fn tshark_reads_our_files_and_we_read_editcap_pcapng() {
    if !have_tools() {
        println!("skipped: apt-get install -y tshark (provides tshark and editcap)");
        return;
    }
    let dir: PathBuf = std::env::temp_dir().join(format!("ringway-pcap-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let frames = frames();
    let lens: Vec<usize> = frames.iter().map(|f| f.0.len()).collect();
    assert!(lens.contains(&60) && lens.contains(&1514));

    for (res, name) in [(TsResolution::Nano, "nano"), (TsResolution::Micro, "micro")] {
        let pcap = dir.join(format!("{name}.pcap"));
        let pcap_s = pcap.to_str().unwrap();
        write(&pcap, res, &frames);
        let want_ts = |ts: u64| {
            if res == TsResolution::Micro {
                ts - ts % 1000
            } else {
                ts
            }
        };

        // 1. Lengths, timestamps and VLAN ids, frame for frame.
        let fields = tool(
            &dir,
            "tshark",
            &["-r", pcap_s, "-T", "fields", "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.time_epoch", "-e", "vlan.id"],
        );
        let rows: Vec<Vec<&str>> = fields.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), FRAMES, "tshark saw {} frames in {name}.pcap", rows.len());
        for (i, (row, (f, ts, vlan))) in rows.iter().zip(&frames).enumerate() {
            assert_eq!(row[0].parse::<usize>().unwrap(), f.len(), "frame {i} frame.len");
            assert_eq!(row[1].parse::<usize>().unwrap(), f.len(), "frame {i} frame.cap_len");
            assert_eq!(epoch_ns(row[2]), want_ts(*ts), "frame {i} time");
            assert_eq!(row[3], vlan.map(|v| v.to_string()).unwrap_or_default(), "frame {i} vlan.id");
        }

        // 2. Every byte, via the hex dump.
        let dump = tool(&dir, "tshark", &["-r", pcap_s, "-x"]);
        assert_eq!(hex_stream(&dump, &lens), frames.iter().flat_map(|f| f.0.clone()).collect::<Vec<u8>>(), "{name}.pcap bytes");

        // 3. editcap's pcapng (SHB + IDB with if_tsresol for nanosecond input + EPBs) reads back identically.
        let ng = dir.join(format!("{name}.pcapng"));
        tool(&dir, "editcap", &["-F", "pcapng", pcap_s, ng.to_str().unwrap()]);
        let (fmt, got) = read_ours(&ng);
        assert_eq!(fmt, FileFormat::Pcapng);
        assert_eq!(got.len(), FRAMES);
        for (i, ((data, ts), (f, t, _))) in got.iter().zip(&frames).enumerate() {
            assert_eq!(data, f, "{name}.pcapng frame {i} bytes");
            assert_eq!(*ts, want_ts(*t), "{name}.pcapng frame {i} time");
        }
        // And our own reader agrees with itself on the original file.
        assert_eq!(read_ours(&pcap).1, got);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
