//! PCI plumbing for user-space drivers: addresses, sysfs, config space and BAR access.
//! Nothing here knows about virtio; `bind` decides *how* (vfio or uio) a device is reached.
pub mod bar;
pub mod config;
pub mod devbind;
pub mod sysfs;

use crate::error::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// A PCI address in the canonical sysfs form `DDDD:BB:DD.F` (domain:bus:device.function).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bdf {
    pub domain: u16,
    pub bus: u8,
    pub dev: u8,
    pub func: u8,
}

impl FromStr for Bdf {
    type Err = Error;
    fn from_str(s: &str) -> Result<Bdf> {
        let bad = || Error::InvalidArgument(format!("bad PCI address '{s}': expected DDDD:BB:DD.F"));
        let (dom, rest) = s.split_once(':').ok_or_else(bad)?;
        let (bus, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (dev, func) = rest.split_once('.').ok_or_else(bad)?;
        let hex = |t: &str, n: usize| {
            if t.len() == n && t.bytes().all(|b| b.is_ascii_hexdigit()) {
                u32::from_str_radix(t, 16).map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        let (domain, bus, dev, func) = (hex(dom, 4)?, hex(bus, 2)?, hex(dev, 2)?, hex(func, 1)?);
        // Device numbers are 5 bits and functions 3 bits in a PCI routing ID.
        if dev > 0x1f || func > 7 {
            return Err(bad());
        }
        Ok(Bdf { domain: domain as u16, bus: bus as u8, dev: dev as u8, func: func as u8 })
    }
}

impl fmt::Display for Bdf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:02x}:{:02x}.{:x}", self.domain, self.bus, self.dev, self.func)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let b: Bdf = "0000:00:10.0".parse().unwrap();
        assert_eq!(b.to_string(), "0000:00:10.0");
        assert_eq!("0001:3a:1f.7".parse::<Bdf>().unwrap().to_string(), "0001:3a:1f.7");
    }

    #[test]
    fn rejects_garbage() {
        for s in ["xyz", "00:10.0", "0000:00:10", "0000:00:20.0", "0000:00:10.8", "0000:0g:10.0", ""] {
            let e = s.parse::<Bdf>().unwrap_err().to_string();
            assert_eq!(e, format!("bad PCI address '{s}': expected DDDD:BB:DD.F"));
        }
    }
}
