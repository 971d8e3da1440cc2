//! What XDP each interface's driver offers, from the kernel's "netdev" generic netlink family
//! (Documentation/netlink/specs/netdev.yaml, Linux 6.3+): NETDEV_CMD_DEV_GET dumps one message
//! per interface with its NETDEV_A_DEV_XDP_FEATURES bits. Older kernels have no such family: then
//! nothing is known (None) and `ringway devices` says so.
use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

#[rustfmt::skip]
mod nl {
    // linux/netlink.h, linux/genetlink.h
    pub const NETLINK_GENERIC: i32       = 16;
    pub const NLM_F_REQUEST: u16         = 0x1;
    pub const NLM_F_DUMP: u16            = 0x300;
    pub const NLMSG_ERROR: u16           = 2;
    pub const NLMSG_DONE: u16            = 3;
    pub const GENL_ID_CTRL: u16          = 0x10;
    pub const CTRL_CMD_GETFAMILY: u8     = 3;
    pub const CTRL_ATTR_FAMILY_ID: u16   = 1;
    pub const CTRL_ATTR_FAMILY_NAME: u16 = 2;
    // linux/netdev.h
    pub const NETDEV_CMD_DEV_GET: u8     = 1;
    pub const NETDEV_A_DEV_IFINDEX: u16  = 1;
    pub const NETDEV_A_DEV_XDP_FEATURES: u16 = 3;
    pub const NETDEV_XDP_ACT_BASIC: u64  = 1 << 0;
    pub const NETDEV_XDP_ACT_REDIRECT: u64 = 1 << 1;
    pub const NETDEV_XDP_ACT_XSK_ZEROCOPY: u64 = 1 << 3;
}
use nl::*;

/// Per interface: what its driver does natively.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XdpFeatures {
    /// native (driver) XDP programs run, with XDP_REDIRECT (what af_xdp mode=native needs)
    pub native: bool,
    /// AF_XDP zero-copy
    pub zerocopy: bool,
}

fn msg(ty: u16, flags: u16, cmd: u8, attrs: &[(u16, &[u8])]) -> Vec<u8> {
    let mut m = vec![0u8; 20]; // nlmsghdr (16) + genlmsghdr (4)
    for (t, v) in attrs {
        let len = 4 + v.len();
        m.extend_from_slice(&(len as u16).to_ne_bytes());
        m.extend_from_slice(&t.to_ne_bytes());
        m.extend_from_slice(v);
        m.resize(m.len().next_multiple_of(4), 0);
    }
    let n = m.len() as u32;
    m[0..4].copy_from_slice(&n.to_ne_bytes());
    m[4..6].copy_from_slice(&ty.to_ne_bytes());
    m[6..8].copy_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
    m[16] = cmd;
    m[17] = 1; // version
    m
}

/// Sends one request and calls `f` with the attributes of every reply message until done.
fn talk(fd: i32, req: &[u8], mut f: impl FnMut(&[u8])) -> Option<()> {
    // SAFETY: req is a readable buffer of req.len() bytes.
    if unsafe { libc::send(fd, req.as_ptr() as *const _, req.len(), 0) } < 0 {
        return None;
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        // SAFETY: buf is writable for its length.
        let n = unsafe { libc::recv(fd, buf.as_mut_ptr() as *mut _, buf.len(), 0) };
        if n <= 0 {
            return None;
        }
        let mut off = 0usize;
        while off + 16 <= n as usize {
            let len = u32::from_ne_bytes(buf[off..off + 4].try_into().ok()?) as usize;
            let ty = u16::from_ne_bytes(buf[off + 4..off + 6].try_into().ok()?);
            if len < 16 || off + len > n as usize {
                return None;
            }
            match ty {
                NLMSG_DONE => return Some(()),
                NLMSG_ERROR => {
                    let err = i32::from_ne_bytes(buf[off + 16..off + 20].try_into().ok()?);
                    return if err == 0 { Some(()) } else { None };
                }
                _ if len >= 20 => f(&buf[off + 20..off + len]),
                _ => {}
            }
            off += len.next_multiple_of(4);
        }
        if req[6] & 0x3 == NLM_F_REQUEST as u8 && u16::from_ne_bytes([req[6], req[7]]) & NLM_F_DUMP == 0 {
            return Some(()); // a plain request has one reply
        }
    }
}

fn attrs(mut a: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    while a.len() >= 4 {
        let len = u16::from_ne_bytes([a[0], a[1]]) as usize;
        let ty = u16::from_ne_bytes([a[2], a[3]]) & 0x3fff;
        if len < 4 || len > a.len() {
            break;
        }
        out.push((ty, &a[4..len]));
        a = &a[len.next_multiple_of(4).min(a.len())..];
    }
    out
}

/// XDP features by ifindex, or None when the kernel has no netdev family (before Linux 6.3).
pub fn query() -> Option<HashMap<u32, XdpFeatures>> {
    // SAFETY: plain socket(2); owned right below.
    let fd = unsafe { libc::socket(libc::AF_NETLINK, libc::SOCK_RAW | libc::SOCK_CLOEXEC, NETLINK_GENERIC) };
    if fd < 0 {
        return None;
    }
    // SAFETY: fresh fd.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut family = None;
    talk(fd.as_raw_fd(), &msg(GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, &[(CTRL_ATTR_FAMILY_NAME, b"netdev\0")]), |a| {
        for (t, v) in attrs(a) {
            if t == CTRL_ATTR_FAMILY_ID && v.len() >= 2 {
                family = Some(u16::from_ne_bytes([v[0], v[1]]));
            }
        }
    })?;
    let mut out = HashMap::new();
    talk(fd.as_raw_fd(), &msg(family?, NLM_F_DUMP, NETDEV_CMD_DEV_GET, &[]), |a| {
        let (mut idx, mut feat) = (None, 0u64);
        for (t, v) in attrs(a) {
            match t {
                NETDEV_A_DEV_IFINDEX if v.len() >= 4 => idx = Some(u32::from_ne_bytes(v[..4].try_into().unwrap())),
                NETDEV_A_DEV_XDP_FEATURES if v.len() >= 8 => feat = u64::from_ne_bytes(v[..8].try_into().unwrap()),
                _ => {}
            }
        }
        if let Some(i) = idx {
            let native = feat & (NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT) == (NETDEV_XDP_ACT_BASIC | NETDEV_XDP_ACT_REDIRECT);
            out.insert(i, XdpFeatures { native, zerocopy: feat & NETDEV_XDP_ACT_XSK_ZEROCOPY != 0 });
        }
    })?;
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_is_listed_without_native_xdp() {
        // Linux 6.3+ only; older kernels answer None, which is the documented outcome.
        if let Some(m) = super::query() {
            let lo = m.get(&1).copied().unwrap_or_default();
            assert!(!lo.native && !lo.zerocopy, "loopback has no driver XDP: {lo:?}");
        }
    }
}
