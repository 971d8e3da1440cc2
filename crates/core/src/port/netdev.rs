//! Facts about a kernel network interface (index, MAC, MTU, link, queues, driver) and the errors
//! the kernel-interface ports (af_packet, tap, af_xdp) share: each names the interface and the fix.
use super::uapi::*;
use crate::error::{Error, Result};
use crate::mempool::layout::{META_DATA_LEN, META_DATA_OFF, META_PORT, META_QUEUE};
use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// What `info()` shows for a kernel-interface port beyond the shared block.
#[derive(Clone, Debug, Default)]
pub struct KernelInfo {
    pub ifname: String,
    pub ifindex: u32,
    /// af_packet: "tpacket_v3 rx / tpacket_v2 tx"; tap: "created" or "attached"; af_xdp: "native copy", ...
    pub mode: String,
    /// why that mode (af_xdp auto fallbacks), or what was not available (qdisc bypass refused, ...)
    pub notes: Vec<String>,
    pub mtu: u32,
    pub link_up: bool,
}

/// A checked interface name: 1..15 bytes, no '/', ':' or whitespace (dev_valid_name).
pub fn check_name(spec: &str, name: &str) -> Result<()> {
    if name.is_empty()
        || name.len() >= IFNAMSIZ
        || name == "."
        || name == ".."
        || name.chars().any(|c| c == '/' || c == ':' || c == ',' || c.is_whitespace())
    {
        return Err(Error::InvalidArgument(format!(
            "bad interface name '{name}' in '{spec}': 1 to 15 characters, no '/', ':', ',' or spaces (see `ip link`)"
        )));
    }
    Ok(())
}

/// The interface's index, or the "missing interface" error naming where to look.
pub fn ifindex(spec: &str, name: &str) -> Result<u32> {
    let c = CString::new(name).map_err(|_| Error::InvalidArgument(format!("bad interface name in '{spec}'")))?;
    // SAFETY: c is a valid NUL-terminated string.
    let i = unsafe { libc::if_nametoindex(c.as_ptr()) };
    if i == 0 {
        return Err(Error::InvalidArgument(format!(
            "port '{spec}': no network interface '{name}' in this network namespace. List them with `ip link` \
             (or `ringway devices`); an interface in another namespace needs the program run inside it (`ip netns exec NS ...`)"
        )));
    }
    Ok(i)
}

/// The error for a socket or ioctl the kernel refused, with the capability that fixes EPERM.
pub fn os_err(spec: &str, what: &str, cap: &str) -> Error {
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EPERM) | Some(libc::EACCES) => Error::InvalidArgument(format!(
            "port '{spec}': {what}: {e}. This needs {cap}: run as root, or grant it to node \
             (`setcap {caps}+ep $(readlink -f $(which node))`)",
            caps = cap.to_ascii_lowercase().replace(" and ", ",").replace(' ', "")
        )),
        _ => Error::Io(format!("port '{spec}': {what}: {e}")),
    }
}

/// An AF_INET datagram socket for interface ioctls.
fn ctl_socket() -> Result<OwnedFd> {
    // SAFETY: plain socket(2) call; the fd is owned below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(Error::os("socket(AF_INET) for interface ioctls"));
    }
    // SAFETY: fd is a fresh descriptor nobody else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// struct ifreq: 16 bytes of name, then a 24-byte union.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct IfReq {
    pub name: [u8; IFNAMSIZ],
    pub data: [u8; 24],
}

impl IfReq {
    pub fn new(name: &str) -> IfReq {
        let mut r = IfReq { name: [0; IFNAMSIZ], data: [0; 24] };
        let n = name.len().min(IFNAMSIZ - 1);
        r.name[..n].copy_from_slice(&name.as_bytes()[..n]);
        r
    }
    pub fn short(&self) -> u16 {
        u16::from_ne_bytes([self.data[0], self.data[1]])
    }
    pub fn int(&self) -> i32 {
        i32::from_ne_bytes(self.data[..4].try_into().unwrap())
    }
}

fn ioctl(name: &str, req: u64, r: &mut IfReq) -> std::io::Result<()> {
    let s = ctl_socket().map_err(|_| std::io::Error::last_os_error())?;
    // SAFETY: r is a properly sized struct ifreq for these SIOC* requests.
    if unsafe { libc::ioctl(s.as_raw_fd(), req as _, r as *mut IfReq) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    let _ = name;
    Ok(())
}

pub fn mac(name: &str) -> [u8; 6] {
    let mut r = IfReq::new(name);
    if ioctl(name, SIOCGIFHWADDR, &mut r).is_err() {
        return [0; 6];
    }
    // struct sockaddr: sa_family (2 bytes), then the address
    r.data[2..8].try_into().unwrap()
}

pub fn mtu(name: &str) -> u32 {
    let mut r = IfReq::new(name);
    if ioctl(name, SIOCGIFMTU, &mut r).is_err() {
        return 0;
    }
    r.int() as u32
}

/// (administratively up, carrier): IFF_UP from the flags, the carrier from sysfs (IFF_LOWER_UP
/// does not fit the 16-bit ifr_flags).
pub fn link(name: &str) -> (bool, bool) {
    let mut r = IfReq::new(name);
    let up = ioctl(name, SIOCGIFFLAGS, &mut r).is_ok() && r.short() & IFF_UP != 0;
    let carrier = std::fs::read_to_string(format!("/sys/class/net/{name}/carrier")).is_ok_and(|s| s.trim() == "1");
    (up, up && carrier && r.short() & IFF_RUNNING != 0)
}

/// Speed in Mb/s from sysfs (0 when the driver does not say: veth and tap report 10000 or -1).
pub fn speed(name: &str) -> u32 {
    std::fs::read_to_string(format!("/sys/class/net/{name}/speed"))
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|&v| v > 0)
        .unwrap_or(0) as u32
}

/// Sets IFF_UP (a TAP we created starts down).
pub fn set_up(name: &str) -> std::io::Result<()> {
    let mut r = IfReq::new(name);
    ioctl(name, SIOCGIFFLAGS, &mut r)?;
    let f = r.short() | IFF_UP;
    r.data[..2].copy_from_slice(&f.to_ne_bytes());
    ioctl(name, SIOCSIFFLAGS, &mut r)
}

/// RX queues the kernel has set up (real_num_rx_queues, from /sys/class/net/IF/queues).
pub fn rx_queues(name: &str) -> u32 {
    std::fs::read_dir(format!("/sys/class/net/{name}/queues"))
        .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("rx-")).count() as u32)
        .unwrap_or(0)
}

/// The kernel driver behind the interface ("veth", "tun", "virtio_net", ...): ETHTOOL_GDRVINFO,
/// else the sysfs device link.
pub fn driver(name: &str) -> String {
    // struct ethtool_drvinfo: u32 cmd, char driver[32], ... (196 bytes in all)
    let mut info = [0u8; 196];
    info[..4].copy_from_slice(&ETHTOOL_GDRVINFO.to_ne_bytes());
    let mut r = IfReq::new(name);
    r.data[..8].copy_from_slice(&(info.as_mut_ptr() as usize as u64).to_ne_bytes());
    if ioctl(name, SIOCETHTOOL, &mut r).is_ok() {
        let d = &info[4..36];
        let s = String::from_utf8_lossy(&d[..d.iter().position(|&b| b == 0).unwrap_or(32)]).into_owned();
        if !s.is_empty() {
            return s;
        }
    }
    std::fs::read_link(format!("/sys/class/net/{name}/device/driver"))
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "-".into())
}

/// Refuses an interface whose MTU does not fit the pool's buffers (no multi-buffer packets yet).
/// `room` is the bytes one buffer holds for a frame in this port's layout.
pub fn check_mtu(spec: &str, name: &str, mtu: u32, room: usize) -> Result<()> {
    let frame = mtu as usize + ETH_HLEN + VLAN_HLEN;
    if frame > room {
        return Err(Error::InvalidArgument(format!(
            "port '{spec}': interface '{name}' has MTU {mtu} (frames up to {frame} bytes) but this port can put only \
             {room} bytes in one pool buffer. Lower the MTU (`ip link set {name} mtu {max}`) or create the pool with a \
             larger dataRoom (Pool.create({{ dataRoom: {want} }}))",
            max = room.saturating_sub(ETH_HLEN + VLAN_HLEN),
            want = frame.next_multiple_of(64) + 512
        )));
    }
    Ok(())
}

/// Writes a received packet's metadata: where its bytes are, how many, and which port/queue.
///
/// # Safety
/// `buf` is the start of a pool buffer the caller owns (at least META_SIZE bytes, 64-aligned).
#[inline]
pub unsafe fn write_rx_meta(buf: *mut u8, data_off: usize, len: usize, port: u16, queue: u16) {
    // SAFETY: the metadata words lie in the buffer's first 64 bytes (caller's contract), aligned.
    unsafe {
        (buf.add(META_DATA_OFF) as *mut u16).write(data_off as u16);
        (buf.add(META_DATA_LEN) as *mut u16).write(len as u16);
        (buf.add(META_PORT) as *mut u16).write(port);
        (buf.add(META_QUEUE) as *mut u16).write(queue);
    }
}

/// (data offset, length) of a packet handed to TX, or None when they do not fit the buffer.
///
/// # Safety
/// As write_rx_meta.
#[inline]
pub unsafe fn read_tx_meta(buf: *const u8, stride: usize) -> Option<(usize, usize)> {
    // SAFETY: caller's contract.
    let (off, len) =
        unsafe { ((buf.add(META_DATA_OFF) as *const u16).read() as usize, (buf.add(META_DATA_LEN) as *const u16).read() as usize) };
    (off + len <= stride && len > 0).then_some((off, len))
}

/// An mmap'ed ring area, unmapped on drop.
pub struct Mmap {
    pub ptr: *mut u8,
    pub len: usize,
}

// SAFETY: a plain memory mapping; who touches which part is the owning port's business.
unsafe impl Send for Mmap {}
// SAFETY: as above.
unsafe impl Sync for Mmap {}

impl Mmap {
    pub fn new(fd: i32, len: usize, off: i64, what: &str) -> Result<Mmap> {
        // SAFETY: maps a kernel ring of `len` bytes from fd; checked for MAP_FAILED.
        let p = unsafe {
            libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_SHARED | libc::MAP_POPULATE, fd, off)
        };
        if p == libc::MAP_FAILED {
            return Err(Error::os(format!("mmap of {what} ({len} bytes)")));
        }
        Ok(Mmap { ptr: p as *mut u8, len })
    }
}

impl Drop for Mmap {
    fn drop(&mut self) {
        // SAFETY: ptr/len are the mapping made in new().
        unsafe { libc::munmap(self.ptr as *mut libc::c_void, self.len) };
    }
}

/// setsockopt with a plain value; Err carries errno.
pub fn setsockopt<T>(fd: i32, level: i32, name: i32, v: &T) -> std::io::Result<()> {
    // SAFETY: v points to size_of::<T>() readable bytes.
    let r = unsafe { libc::setsockopt(fd, level, name, v as *const T as *const libc::c_void, std::mem::size_of::<T>() as u32) };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// getsockopt into a plain value; returns the length the kernel wrote.
pub fn getsockopt<T>(fd: i32, level: i32, name: i32, v: &mut T) -> std::io::Result<usize> {
    let mut len = std::mem::size_of::<T>() as u32;
    // SAFETY: v points to size_of::<T>() writable bytes; len says so.
    let r = unsafe { libc::getsockopt(fd, level, name, v as *mut T as *mut libc::c_void, &mut len) };
    if r < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(len as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_facts_and_missing_interface_errors() {
        assert_eq!(ifindex("t", "lo").unwrap(), 1);
        assert_eq!(mtu("lo"), 65536);
        assert_eq!(mac("lo"), [0; 6]);
        let e = ifindex("af_packet:rwnope0", "rwnope0").unwrap_err().to_string();
        assert!(e.contains("no network interface 'rwnope0'") && e.contains("ip netns exec"), "{e}");
        assert!(check_name("s", "a/b").is_err() && check_name("s", "0123456789abcdef").is_err() && check_name("s", "veth0").is_ok());
        let e = check_mtu("af_packet:x", "x", 9000, 2048).unwrap_err().to_string();
        assert!(e.contains("MTU 9000") && e.contains("dataRoom") && e.contains("ip link set x mtu 2030"), "{e}");
        assert!(check_mtu("s", "x", 1500, 2048).is_ok());
    }
}

/// One kernel interface as `ringway devices` lists it.
#[derive(Clone, Debug)]
pub struct Interface {
    pub name: String,
    pub ifindex: u32,
    pub driver: String,
    pub mac: [u8; 6],
    pub mtu: u32,
    pub up: bool,
    pub carrier: bool,
    pub rx_queues: u32,
    pub tx_queues: u32,
    /// XDP program attached now (any mode), by id
    pub xdp_prog: Option<u32>,
    /// what the driver offers (None: kernel before 6.3, unknown)
    pub xdp: Option<super::xdp_features::XdpFeatures>,
}

/// The interfaces of this network namespace, from /sys/class/net.
pub fn interfaces() -> Vec<Interface> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    let feats = super::xdp_features::query();
    names
        .into_iter()
        .filter_map(|name| {
            let ifindex = ifindex("devices", &name).ok()?;
            let (up, carrier) = link(&name);
            let tx_queues = std::fs::read_dir(format!("/sys/class/net/{name}/queues"))
                .map(|d| d.filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().starts_with("tx-")).count() as u32)
                .unwrap_or(0);
            Some(Interface {
                driver: driver(&name),
                mac: mac(&name),
                mtu: mtu(&name),
                up,
                carrier,
                rx_queues: rx_queues(&name),
                tx_queues,
                xdp_prog: super::xdp::libbpf::xdp_prog_id(ifindex).filter(|&id| id != 0),
                xdp: feats.as_ref().map(|m| m.get(&ifindex).copied().unwrap_or_default()),
                ifindex,
                name,
            })
        })
        .collect()
}
