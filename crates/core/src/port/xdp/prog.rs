//! The XDP program that steers an interface's RX queues to our XDP sockets, and its attachment.
//!
//! Six instructions, written out (no ELF object, no clang in the build): look the packet's RX
//! queue up in an XSKMAP and redirect to the socket found there; a queue without a socket passes
//! the packet to the kernel stack (the low bits of bpf_redirect_map's flags are the action on a
//! miss, kernel >= 5.3). It is attached with a bpf_link (BPF_LINK_CREATE, kernel >= 5.9): the
//! link lives exactly as long as its file descriptor, so closing the port, or the process dying
//! by any signal including SIGKILL, detaches the program. (A netlink attach would outlive the
//! process; libxdp's default program is attached that way, one reason we do not use it.)
use super::libbpf::{self, Insn, LinkCreateOpts, ProgLoadOpts};
use crate::error::{Error, Result};
use crate::port::spec::XdpMode;
use crate::port::uapi::*;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// The program. `map_fd` goes into the 64-bit immediate load (BPF_PSEUDO_MAP_FD).
#[rustfmt::skip]
pub fn insns(map_fd: i32) -> [Insn; 6] {
    [
        // r2 = ((struct xdp_md *)r1)->rx_queue_index
        Insn { code: BPF_LDX_MEM_W,   regs: 2 | (1 << 4), off: XDP_MD_RX_QUEUE_INDEX, imm: 0 },
        // r1 = &xsks_map (two-slot immediate; the second slot holds the upper 32 bits)
        Insn { code: BPF_LD_IMM_DW,   regs: 1 | (BPF_PSEUDO_MAP_FD << 4), off: 0, imm: map_fd },
        Insn { code: 0,               regs: 0, off: 0, imm: 0 },
        // r3 = XDP_PASS: the action when the map has no socket for this queue
        Insn { code: BPF_ALU64_MOV_K, regs: 3, off: 0, imm: XDP_PASS },
        // r0 = bpf_redirect_map(r1, r2, r3)
        Insn { code: BPF_JMP_CALL,    regs: 0, off: 0, imm: BPF_FUNC_REDIRECT_MAP },
        Insn { code: BPF_JMP_EXIT,    regs: 0, off: 0, imm: 0 },
    ]
}

/// Map, program and link; dropping it closes all three (the link first: the program detaches).
pub struct XdpProgram {
    link: Option<OwnedFd>,
    prog: OwnedFd,
    map: OwnedFd,
    /// "native" or "skb"
    pub mode: &'static str,
}

fn owned(fd: i32) -> OwnedFd {
    // SAFETY: callers pass a fresh fd returned by libbpf (>= 0) that nobody else owns.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

fn errno(r: i32) -> std::io::Error {
    std::io::Error::from_raw_os_error(-r)
}

fn bpf_err(spec: &str, what: &str, r: i32) -> Error {
    match -r {
        libc::EPERM | libc::EACCES => Error::InvalidArgument(format!(
            "port '{spec}': {what}: {}. Loading an XDP program needs CAP_BPF and CAP_NET_ADMIN (CAP_SYS_ADMIN on kernels \
             before 5.8): run as root, or `setcap cap_bpf,cap_net_admin,cap_net_raw+ep $(readlink -f $(which node))`",
            errno(r)
        )),
        _ => Error::Io(format!("port '{spec}': {what}: {}", errno(r))),
    }
}

impl XdpProgram {
    /// Creates the XSKMAP (keys: RX queue ids 0..entries) and loads the program (not attached yet).
    pub fn load(spec: &str, entries: u32) -> Result<XdpProgram> {
        let l = libbpf::get()?;
        // SAFETY: libbpf call with plain arguments; NULL opts = defaults.
        let map = unsafe { (l.map_create)(BPF_MAP_TYPE_XSKMAP, c"ringway_xsks".as_ptr(), 4, 4, entries, std::ptr::null()) };
        if map < 0 {
            return Err(bpf_err(spec, "creating the XSKMAP", map));
        }
        let map = owned(map);
        let code = insns(map.as_raw_fd());
        let mut log = vec![0u8; 64 * 1024];
        let opts = ProgLoadOpts {
            sz: std::mem::size_of::<ProgLoadOpts>(),
            expected_attach_type: BPF_XDP,
            // log_level 0 with a buffer: libbpf retries with the verifier log only on failure
            log_size: log.len() as u32,
            log_buf: log.as_mut_ptr() as usize,
            ..Default::default()
        };
        // SAFETY: insns points to code.len() instructions; opts lives across the call; log is writable.
        let prog = unsafe {
            (l.prog_load)(BPF_PROG_TYPE_XDP, c"ringway_xsk".as_ptr(), c"Dual BSD/GPL".as_ptr(), code.as_ptr(), code.len(), &opts)
        };
        if prog < 0 {
            let v = String::from_utf8_lossy(&log[..log.iter().position(|&b| b == 0).unwrap_or(0)]).into_owned();
            let e = bpf_err(spec, "loading the XDP program", prog);
            return Err(if v.is_empty() { e } else { Error::Io(format!("{e}; verifier: {}", v.trim())) });
        }
        Ok(XdpProgram { link: None, prog: owned(prog), map, mode: "" })
    }

    /// Puts socket `xsk_fd` in the map for RX queue `queue`.
    pub fn set(&self, spec: &str, queue: u32, xsk_fd: i32) -> Result<()> {
        let l = libbpf::get()?;
        // SAFETY: key and value point to u32s, the map's key/value size.
        let r = unsafe { (l.map_update)(self.map.as_raw_fd(), &queue as *const u32 as *const _, &xsk_fd as *const i32 as *const _, 0) };
        if r < 0 {
            return Err(bpf_err(spec, &format!("adding the XDP socket of queue {queue} to the XSKMAP"), r));
        }
        Ok(())
    }

    /// Attaches by bpf_link in `mode`; auto tries native, then skb. Returns notes on fallbacks.
    pub fn attach(&mut self, spec: &str, ifname: &str, ifindex: u32, mode: XdpMode) -> Result<Vec<String>> {
        let l = libbpf::get()?;
        let try_mode = |flags: u32| {
            let opts = LinkCreateOpts { sz: std::mem::size_of::<LinkCreateOpts>(), flags, _pad: 0 };
            // SAFETY: plain fds and an opts struct that lives across the call.
            unsafe { (l.link_create)(self.prog.as_raw_fd(), ifindex as i32, BPF_XDP, &opts) }
        };
        let busy = |r: i32| -r == libc::EBUSY || -r == libc::EEXIST;
        let in_use = || {
            Error::DeviceBusy(format!(
                "port '{spec}': interface '{ifname}' already has an XDP program (another af_xdp port, or a tool); \
             see `ip -d link show {ifname}` / `bpftool net`, detach it (`ip link set {ifname} xdp off`) or close that port"
            ))
        };
        let mut notes = Vec::new();
        let (fd, m) = match mode {
            XdpMode::Native => (try_mode(XDP_FLAGS_DRV_MODE), "native"),
            XdpMode::Skb => (try_mode(XDP_FLAGS_SKB_MODE), "skb"),
            XdpMode::Auto => {
                let r = try_mode(XDP_FLAGS_DRV_MODE);
                if r >= 0 || busy(r) {
                    (r, "native")
                } else {
                    notes.push(format!(
                        "mode=auto: the driver of {ifname} refused native XDP ({}), so skb (generic) mode is used",
                        errno(r)
                    ));
                    (try_mode(XDP_FLAGS_SKB_MODE), "skb")
                }
            }
        };
        if fd < 0 {
            if busy(fd) {
                return Err(in_use());
            }
            if -fd == libc::EOPNOTSUPP || -fd == libc::EINVAL && m == "native" {
                return Err(Error::Unsupported(format!(
                    "port '{spec}': the driver of '{ifname}' has no native XDP ({}); open it with mode=skb (generic XDP, slower) or use af_packet:{ifname}",
                    errno(fd))));
            }
            if -fd == libc::EINVAL {
                return Err(Error::Unsupported(format!(
                    "port '{spec}': attaching XDP by bpf_link to '{ifname}' failed ({}): the kernel needs BPF_LINK_CREATE for XDP (Linux 5.9+); use af_packet:{ifname}",
                    errno(fd))));
            }
            return Err(bpf_err(spec, &format!("attaching the XDP program to '{ifname}' ({m} mode)"), fd));
        }
        self.link = Some(owned(fd));
        self.mode = m;
        Ok(notes)
    }
}

impl Drop for XdpProgram {
    fn drop(&mut self) {
        self.link.take(); // detaches the program from the interface
        let _ = (&self.prog, &self.map);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_the_documented_six_instructions() {
        let p = insns(7);
        assert_eq!(p[0], Insn { code: 0x61, regs: 0x12, off: 16, imm: 0 }, "r2 = *(u32 *)(r1 + 16)");
        assert_eq!(p[1], Insn { code: 0x18, regs: 0x11, off: 0, imm: 7 }, "r1 = map fd 7");
        assert_eq!((p[3].code, p[3].imm), (0xb7, 2), "r3 = XDP_PASS");
        assert_eq!((p[4].code, p[4].imm), (0x85, 51), "call bpf_redirect_map");
        assert_eq!(p[5].code, 0x95, "exit");
        assert_eq!(std::mem::size_of::<Insn>(), 8);
        assert_eq!(std::mem::size_of::<ProgLoadOpts>(), 104, "libbpf 1.1 struct bpf_prog_load_opts");
    }

    #[test]
    fn the_program_loads_when_privileged() {
        // Loads (not attaches) the program: needs root and libbpf; skipped quietly otherwise.
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 || libbpf::get().is_err() {
            eprintln!("skipped: needs root and libbpf1");
            return;
        }
        let p = XdpProgram::load("af_xdp:test", 4).expect("the verifier accepts the program");
        assert!(p.prog.as_raw_fd() > 0);
    }
}
