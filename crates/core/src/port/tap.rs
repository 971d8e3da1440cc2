//! tap port (DPDK net_tap): a TAP interface, the exception path to the kernel. What the pipeline
//! sends on the port the kernel receives on the interface (ARP for the host, SSH, a ping), and what
//! the kernel sends out of the interface the port receives. One /dev/net/tun file per queue;
//! several queues use IFF_MULTI_QUEUE (the kernel spreads its packets over them by flow hash).
//!
//! `tap:NAME` creates NAME when it does not exist, non-persistent: the kernel removes it when the
//! last queue's file closes, which also happens when the process is killed, so nothing is left
//! behind. An existing TAP (`ip tuntap add NAME mode tap [multi_queue]`) is attached to and left
//! in place. Kernel reference: Documentation/networking/tuntap.rst, drivers/net/tun.c.
use super::kernel_port::{self, KernelPortState};
use super::layout::*;
use super::netdev::{self, IfReq, KernelInfo};
use super::uapi::*;
use super::{NativePort, PortBlock};
use crate::error::{Error, Result};
use crate::mempool::layout::META_SIZE;
use crate::mempool::{Pool, PoolCache};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::{Arc, Mutex};

struct Queue {
    fd: OwnedFd,
    cache: PoolCache,
}

pub struct TapPort {
    block: Arc<PortBlock>,
    pool: Arc<Pool>,
    queues: Vec<Mutex<Option<Queue>>>,
    kern: KernelPortState,
}

fn open_queue(spec: &str, name: &str, multi: bool) -> Result<OwnedFd> {
    // SAFETY: plain open(2) of a NUL-terminated path.
    let fd = unsafe { libc::open(c"/dev/net/tun".as_ptr(), libc::O_RDWR | libc::O_NONBLOCK | libc::O_CLOEXEC) };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENODEV) => Error::Unsupported(format!(
                "port '{spec}': /dev/net/tun is missing ({e}): load the tun module (`modprobe tun`) or, in a container, pass the device in (--device /dev/net/tun)")),
            Some(libc::EPERM) | Some(libc::EACCES) => netdev::os_err(spec, "open /dev/net/tun", "CAP_NET_ADMIN"),
            _ => Error::Io(format!("port '{spec}': open /dev/net/tun: {e}")),
        });
    }
    // SAFETY: fresh fd nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut r = IfReq::new(name);
    let flags = IFF_TAP | IFF_NO_PI | if multi { IFF_MULTI_QUEUE } else { 0 };
    r.data[..2].copy_from_slice(&flags.to_ne_bytes());
    // SAFETY: TUNSETIFF takes a struct ifreq, which r is.
    if unsafe { libc::ioctl(fd.as_raw_fd(), TUNSETIFF as _, &mut r as *mut IfReq) } < 0 {
        let e = std::io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::EPERM) | Some(libc::EACCES) => netdev::os_err(spec, &format!("TUNSETIFF {name}"), "CAP_NET_ADMIN"),
            Some(libc::EINVAL) | Some(libc::EBUSY) => Error::DeviceBusy(format!(
                "port '{spec}': cannot attach to TAP '{name}' ({e}): it exists with other flags ({}) or another process holds it; \
                 open it with the queue count it was made for, or remove it (`ip link del {name}`)",
                if multi { "not multi_queue?" } else { "multi_queue? open it with queues > 1" }
            )),
            _ => Error::Io(format!("port '{spec}': TUNSETIFF {name}: {e}")),
        });
    }
    Ok(fd)
}

impl TapPort {
    pub fn open(spec: &str, name: &str, pool: Arc<Pool>, block: Arc<PortBlock>) -> Result<TapPort> {
        netdev::check_name(spec, name)?;
        let existed = netdev::ifindex(spec, name).is_ok();
        if existed && !std::path::Path::new(&format!("/sys/class/net/{name}/tun_flags")).exists() {
            return Err(Error::InvalidArgument(format!(
                "port '{spec}': interface '{name}' exists and is not a TAP; pick another name, or use af_packet:{name} / af_xdp:{name} for it")));
        }
        let nq = block.n_queues();
        let mut fds = Vec::with_capacity(nq);
        for _ in 0..nq {
            fds.push(open_queue(spec, name, nq > 1)?);
        }
        let mut notes = Vec::new();
        if let Err(e) = netdev::set_up(name) {
            notes.push(format!("could not set {name} up ({e}): `ip link set {name} up`"));
        }
        let ifindex = netdev::ifindex(spec, name)?;
        let mtu = netdev::mtu(name);
        netdev::check_mtu(spec, name, mtu, pool.data_room() as usize)?;
        let mut queues = Vec::with_capacity(nq);
        for fd in fds {
            queues.push(Mutex::new(Some(Queue { fd, cache: PoolCache::new(pool.clone())? })));
        }
        let (_, up) = netdev::link(name);
        block.set_mac(netdev::mac(name));
        block.set_link(up, netdev::speed(name));
        block.set_mtu(mtu);
        let mode = if existed { "attached (left in place at close)" } else { "created (removed at close)" };
        if nq > 1 {
            notes.push(format!("{nq} queues (IFF_MULTI_QUEUE): the kernel spreads its packets over them by flow"));
        }
        let info = KernelInfo { ifname: name.into(), ifindex, mode: mode.into(), notes, mtu, link_up: up };
        Ok(TapPort { block, pool, queues, kern: KernelPortState::new(info) })
    }
}

impl NativePort for TapPort {
    fn rx_burst(&self, q: u16, out: &mut [u32]) -> usize {
        let Some(m) = self.queues.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(qs) = g.as_mut() else { return 0 };
        let want = out.len();
        let got = qs.cache.alloc_burst(out);
        self.block.add(q, PORT_Q_RX_NOMBUF, (want - got) as u64);
        let data_off = META_SIZE + self.pool.headroom() as usize;
        let room = self.pool.data_room() as usize;
        let port = self.kern.port_id();
        let (mut n, mut bytes, mut errors) = (0usize, 0u64, 0u64);
        while n < got {
            let h = out[n];
            let Some(buf) = self.pool.buf_ptr(h) else { break };
            // SAFETY: h is freshly allocated (ours); room bytes from data_off lie inside it (the
            // stride may end right there, so never ask for more). One read(2) is one frame
            // (IFF_NO_PI: the bare Ethernet frame).
            let r = unsafe { libc::read(qs.fd.as_raw_fd(), buf.add(data_off) as *mut libc::c_void, room) };
            if r <= 0 {
                if r < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN) {
                    errors += 1; // e.g. a frame longer than the buffer (the MTU grew after open)
                }
                break; // EAGAIN: nothing more queued
            }
            let len = r as usize;
            // SAFETY: buf is ours, its metadata in the first 64 bytes.
            unsafe { netdev::write_rx_meta(buf, data_off, len, port, q) };
            bytes += len as u64;
            n += 1;
        }
        qs.cache.free(&out[n..got]);
        self.block.count_rx(q, n as u64, bytes, errors);
        n
    }

    fn tx_burst(&self, q: u16, pkts: &[u32]) -> usize {
        let Some(m) = self.queues.get(q as usize) else { return 0 };
        let Ok(mut g) = m.try_lock() else { return 0 };
        let Some(qs) = g.as_mut() else { return 0 };
        let stride = self.pool.stride() as usize;
        let (mut n, mut sent, mut bytes, mut errors) = (0usize, 0u64, 0u64, 0u64);
        let (mut done, mut nd) = ([0u32; 64], 0usize);
        for &h in pkts {
            let Some(buf) = self.pool.buf_ptr(h) else {
                errors += 1;
                n += 1;
                continue;
            };
            // SAFETY: tx_burst hands h to us; metadata in its first 64 bytes.
            if let Some((off, len)) = unsafe { netdev::read_tx_meta(buf, stride) } {
                // SAFETY: [off, off+len) lies inside the buffer (read_tx_meta).
                let r = unsafe { libc::write(qs.fd.as_raw_fd(), buf.add(off) as *const libc::c_void, len) };
                if r < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN) {
                    break; // the kernel's backlog is full: the rest stay the caller's
                }
                if r == len as isize {
                    sent += 1;
                    bytes += len as u64;
                } else {
                    errors += 1;
                }
            } else {
                errors += 1;
            }
            n += 1;
            done[nd] = h;
            nd += 1;
            if nd == done.len() {
                qs.cache.free(&done);
                nd = 0;
            }
        }
        qs.cache.free(&done[..nd]);
        self.block.count_tx(q, sent, bytes, errors);
        n
    }

    fn close(&self) -> Result<()> {
        kernel_port::close_queues(&self.queues, &self.block)
    }

    fn set_port_id(&self, id: u16) {
        self.kern.set_port_id(id);
    }

    fn kernel_info(&self) -> Option<KernelInfo> {
        self.kern.kernel_info(&self.block)
    }
}
