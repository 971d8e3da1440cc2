//! pcap / pcapng reader over any bytes: never panics, never returns more than the buffer
//! holds, stops (EOF or a Malformed/Io error naming the offset), and reads the same after rewind.
use super::{run, sig};
use crate::pcap::PcapReader;
use std::io::Cursor;

fn bucket(v: u64) -> u64 {
    64 - v.leading_zeros() as u64
}

/// (ts_ns, caplen, origlen) per packet, the error that ended the read, the reader (if it opened)
type Read = (Vec<(u64, usize, usize)>, Option<String>, Option<PcapReader<Cursor<Vec<u8>>>>);

fn read(b: &[u8]) -> Read {
    let mut r = match PcapReader::from_reader("fuzz.pcap", Cursor::new(b.to_vec())) {
        Ok(r) => r,
        Err(e) => {
            assert!(matches!(e.code(), "ERR_RINGWAY_MALFORMED" | "ERR_RINGWAY_IO" | "ERR_RINGWAY_UNSUPPORTED"), "{}: {e}", e.code());
            return (vec![], Some(e.code().to_string() + &e.to_string()), None);
        }
    };
    let mut out = vec![0u8; 2048];
    let mut got = Vec::new();
    let mut err = None;
    // every packet consumes at least a record header, so the count is bounded by the input
    for _ in 0..=b.len() / 8 + 1 {
        match r.next_packet(&mut out) {
            Ok(Some(p)) => {
                assert!(p.caplen <= out.len(), "caplen {} > buffer", p.caplen);
                got.push((p.ts_ns, p.caplen, p.origlen as usize));
            }
            Ok(None) => break,
            Err(e) => {
                assert!(matches!(e.code(), "ERR_RINGWAY_MALFORMED" | "ERR_RINGWAY_IO" | "ERR_RINGWAY_UNSUPPORTED"), "{}: {e}", e.code());
                err = Some(e.to_string());
                break;
            }
        }
    }
    (got, err, Some(r))
}

fn one(b: &[u8]) -> u64 {
    let (got, err, r) = read(b);
    if let Some(mut r) = r {
        // determinism: a rewind reads the same packets and the same error again
        if r.rewind().is_ok() {
            let mut out = vec![0u8; 2048];
            for want in &got {
                let p = r.next_packet(&mut out).expect("re-read after rewind failed").expect("re-read ended early");
                assert_eq!((p.ts_ns, p.caplen, p.origlen as usize), *want);
            }
        }
    }
    let why = super::reason(&err.unwrap_or_default(), b);
    sig(&[bucket(got.len() as u64), why, got.last().map_or(0, |p| bucket(p.1 as u64))])
}

#[test]
fn fuzz_pcap_read() {
    run("pcap_read", 20_000, one);
}

/// Writes the seed corpus (run once by hand: RINGWAY_FUZZ_WRITE_SEEDS=1).
#[test]
fn pcap_seeds() {
    use crate::pcap::testutil::*;
    if std::env::var("RINGWAY_FUZZ_WRITE_SEEDS").is_err() {
        return;
    }
    let f = frame(60, 1);
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        ("classic-le-us", pcap(false, false, 65535, 1, &[(1, 2, &f, 60), (3, 4, &f[..20], 60)])),
        ("classic-be-ns", pcap(true, true, 128, 1, &[(1, 2, &f, 60)])),
        ("ng-le", [shb(false), idb(false, 1, 65535, &[]), epb(false, 0, 1000, &f, 60), spb(false, 60, &f)].concat()),
        ("ng-be-tsres", [shb(true), idb(true, 1, 0, &[(9, &[9])]), epb(true, 0, 7, &f, 64)].concat()),
        ("ng-two-sections", [shb(false), idb(false, 1, 100, &[]), epb(false, 0, 1, &f, 60), shb(false), epb(false, 0, 1, &f, 60)].concat()),
    ];
    let dir = super::repo_dir("fuzz/corpus", "pcap_read");
    for (n, b) in seeds {
        std::fs::write(dir.join(format!("seed-{n}")), b).unwrap();
    }
}
