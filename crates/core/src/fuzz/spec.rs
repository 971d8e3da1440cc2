//! Port spec parser: any string. Never panics; an error is ERR_RINGWAY_INVALID_ARGUMENT (or
//! UNSUPPORTED for kinds not built) and names the spec; a parsed spec parses again the same.
use super::{run, sig};
use crate::port::spec::{parse, parse_bdf, parse_mac};

fn one(b: &[u8]) -> u64 {
    let s = String::from_utf8_lossy(b);
    let _ = parse_mac(&s);
    let _ = parse_bdf(&s);
    match parse(&s) {
        Ok(p) => {
            assert_eq!(parse(&s).unwrap(), p, "parse is a function of its input");
            let d = format!("{p:?}");
            let variant = d.split(['{', ' ']).next().unwrap_or("");
            sig(&[1, super::hash(variant.as_bytes())])
        }
        Err(e) => {
            assert!(matches!(e.code(), "ERR_RINGWAY_INVALID_ARGUMENT" | "ERR_RINGWAY_UNSUPPORTED"), "{}: {e}", e.code());
            let m = e.to_string();
            assert!(m.contains(&*s) || s.is_empty() || m.contains("PCI address"), "error does not name the spec: {m}");
            // which check refused it (without the spec's own text)
            sig(&[2, super::reason(&m, b)])
        }
    }
}

#[test]
fn fuzz_port_spec() {
    run("port_spec", 20_000, one);
}
