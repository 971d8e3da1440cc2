//! Port specs as strings, parsed here and nowhere else (DPDK devargs style): `KIND:ARGS`.
//!
//! ```text
//! null:size=64[,mac=02:00:00:00:00:01]   packets of a set size, as fast as asked (net_null)
//! ring:NAME                              one end of a named in-memory port pair (net_ring)
//! pcap:rx=in.pcap[,tx=out.pcap][,loop=1] replay a capture / write one (net_pcap)
//! virtio:0000:00:10.0[,transport=legacy] a virtio-net PCI function bound to vfio-pci or uio_pci_generic
//! af_xdp:IFACE  af_packet:IFACE  tap:NAME  kernel-interface ports (not built yet: clear error)
//! ```
use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortSpec {
    Null {
        size: u16,
        mac: [u8; 6],
    },
    Ring {
        name: String,
    },
    Pcap {
        rx: Option<PathBuf>,
        tx: Option<PathBuf>,
        repeat: bool,
    },
    /// transport: None = modern when offered, else legacy; Some("modern" | "legacy") forces one
    Virtio {
        bdf: String,
        transport: Option<String>,
    },
}

fn bad(spec: &str, why: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!(
        "bad port spec '{spec}': {why}. Examples: null:size=64, ring:NAME, pcap:rx=in.pcap,tx=out.pcap,loop=1, virtio:0000:00:10.0"
    ))
}

/// key=value pairs, in order; a bare word is an error naming the spec.
fn kv<'a>(spec: &str, args: &'a str) -> Result<Vec<(&'a str, &'a str)>> {
    if args.is_empty() {
        return Ok(vec![]);
    }
    args.split(',').map(|p| p.split_once('=').ok_or_else(|| bad(spec, format!("'{p}' is not key=value")))).collect()
}

pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut m = [0u8; 6];
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    for (i, p) in parts.iter().enumerate() {
        if p.len() != 2 {
            return None;
        }
        m[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

/// Checks a PCI address (DDDD:BB:DD.F, hex; device <= 1f, function <= 7).
pub fn parse_bdf(s: &str) -> Result<String> {
    let err = || Error::InvalidArgument(format!("bad PCI address '{s}': expected DDDD:BB:DD.F, e.g. 0000:00:10.0 (see `ringway devices`)"));
    let (dom, rest) = s.split_once(':').ok_or_else(err)?;
    let (bus, rest) = rest.split_once(':').ok_or_else(err)?;
    let (dev, func) = rest.split_once('.').ok_or_else(err)?;
    let hex = |x: &str, n: usize, max: u32| x.len() == n && u32::from_str_radix(x, 16).is_ok_and(|v| v <= max);
    if hex(dom, 4, 0xffff) && hex(bus, 2, 0xff) && hex(dev, 2, 0x1f) && hex(func, 1, 7) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(err())
    }
}

pub fn parse(spec: &str) -> Result<PortSpec> {
    let (kind, args) = spec.split_once(':').ok_or_else(|| bad(spec, "missing ':' after the port kind"))?;
    match kind {
        "null" => {
            let (mut size, mut mac) = (64u16, [0x02, 0, 0, 0, 0, 0x01]);
            for (k, v) in kv(spec, args)? {
                match k {
                    "size" => {
                        size = v
                            .parse()
                            .ok()
                            .filter(|s| (14..=9000).contains(s))
                            .ok_or_else(|| bad(spec, format!("size '{v}' must be a number of bytes from 14 to 9000")))?
                    }
                    "mac" => mac = parse_mac(v).ok_or_else(|| bad(spec, format!("mac '{v}' is not aa:bb:cc:dd:ee:ff")))?,
                    _ => return Err(bad(spec, format!("null ports take size= and mac=, not '{k}'"))),
                }
            }
            Ok(PortSpec::Null { size, mac })
        }
        "ring" => {
            if args.is_empty() || args.len() > 64 || !args.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                return Err(bad(spec, "ring ports need a name of 1-64 letters, digits, '-', '_' or '.'"));
            }
            Ok(PortSpec::Ring { name: args.to_string() })
        }
        "pcap" => {
            let (mut rx, mut tx, mut repeat) = (None, None, false);
            for (k, v) in kv(spec, args)? {
                match k {
                    "rx" if !v.is_empty() => rx = Some(PathBuf::from(v)),
                    "tx" if !v.is_empty() => tx = Some(PathBuf::from(v)),
                    "loop" => {
                        repeat = match v {
                            "1" | "true" => true,
                            "0" | "false" => false,
                            _ => return Err(bad(spec, format!("loop '{v}' must be 0 or 1"))),
                        }
                    }
                    _ => return Err(bad(spec, format!("pcap ports take rx=FILE, tx=FILE and loop=0|1, not '{k}={v}'"))),
                }
            }
            if rx.is_none() && tx.is_none() {
                return Err(bad(spec, "a pcap port needs rx=FILE, tx=FILE or both"));
            }
            Ok(PortSpec::Pcap { rx, tx, repeat })
        }
        "virtio" => {
            let (bdf, rest) = args.split_once(',').unwrap_or((args, ""));
            let mut transport = None;
            for (k, v) in kv(spec, rest)? {
                match (k, v) {
                    ("transport", "modern" | "legacy") => transport = Some(v.to_string()),
                    _ => return Err(bad(spec, format!("virtio ports take transport=modern|legacy, not '{k}={v}'"))),
                }
            }
            Ok(PortSpec::Virtio { bdf: parse_bdf(bdf)?, transport })
        }
        "af_xdp" | "af_packet" | "tap" => {
            Err(Error::Unsupported(format!("port kind '{kind}' in '{spec}' is planned but not built yet; use null, ring, pcap or virtio")))
        }
        _ => Err(bad(spec, format!("unknown port kind '{kind}'"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_forms() {
        assert_eq!(parse("null:size=128").unwrap(), PortSpec::Null { size: 128, mac: [2, 0, 0, 0, 0, 1] });
        assert_eq!(parse("null:").unwrap(), PortSpec::Null { size: 64, mac: [2, 0, 0, 0, 0, 1] });
        assert_eq!(parse("ring:a-1").unwrap(), PortSpec::Ring { name: "a-1".into() });
        assert_eq!(
            parse("pcap:rx=in.pcap,tx=/tmp/o.pcap,loop=1").unwrap(),
            PortSpec::Pcap { rx: Some("in.pcap".into()), tx: Some("/tmp/o.pcap".into()), repeat: true }
        );
        assert_eq!(parse("virtio:0000:00:10.0").unwrap(), PortSpec::Virtio { bdf: "0000:00:10.0".into(), transport: None });
        assert_eq!(
            parse("virtio:0000:00:1F.7,transport=legacy").unwrap(),
            PortSpec::Virtio { bdf: "0000:00:1f.7".into(), transport: Some("legacy".into()) }
        );
    }

    #[test]
    fn errors_name_the_spec_and_the_fix() {
        for (s, want) in [
            ("null", "missing ':'"),
            ("null:size=3", "from 14 to 9000"),
            ("null:speed=1", "not 'speed'"),
            ("ring:", "need a name"),
            ("pcap:loop=1", "needs rx=FILE"),
            ("pcap:rx", "not key=value"),
            ("virtio:00:10.0", "bad PCI address '00:10.0'"),
            ("virtio:0000:00:20.0", "bad PCI address"),
            ("virtio:0000:00:10.0,transport=pci", "transport=modern|legacy"),
            ("bogus:x", "unknown port kind 'bogus'"),
            ("af_xdp:eth0", "not built yet"),
        ] {
            let e = parse(s).unwrap_err().to_string();
            assert!(e.contains(want), "{s}: {e}");
        }
    }
}
