//! Ports: open/close by spec, and the per-burst entry points of natively driven ports.
use crate::errors::{closed, invalid, IntoJs};
use crate::registry::{self, Obj, PortEntry};
use napi_derive::napi;
use ringway_core::port::layout::*;
use ringway_core::port::{self, pcap::PcapPort, ringpair, virtio::VirtioPort, NativePort, PortBlock, PortSpec};
use ringway_core::port::{af_packet::AfPacketPort, tap::TapPort, xdp::AfXdpPort};
use std::sync::Arc;

#[napi(object)]
pub struct PortOpened {
    /// Port id: its shared block is mapped with mapView(id).
    pub id: u32,
    pub kind: String,
    pub queues: u32,
    pub pool_id: u32,
    /// null: packet size
    pub size: Option<u32>,
    /// ring: region id holding the pair's rings, this end (0/1), ring capacity and stride
    pub ring_region: Option<u32>,
    pub ring_end: Option<u32>,
    pub ring_name: Option<String>,
}

/// Opens a port from its spec string (parsed in the core: port/spec.rs).
#[napi]
pub fn port_open(spec: String, pool_id: u32, queues: u32) -> crate::errors::Result<PortOpened> {
    crate::guard::call("portOpen", move || {
        let parsed = port::parse(&spec).js()?;
        let pool = registry::pool(pool_id, &format!(" (given to port '{spec}')"))?;
        if queues == 0 || queues as usize > PORT_MAX_QUEUES {
            return Err(invalid(format!("port '{spec}': {queues} queues; use 1 to {PORT_MAX_QUEUES}")));
        }
        let nq = queues as usize;
        // the id first: native ports write its low 16 bits (its tag, unique among live ports:
        // registry.rs) into META_PORT of what they receive; a failed open frees it
        let reserved = registry::reserve_port()?;
        let id = reserved.id();
        let mut out =
            PortOpened { id: 0, kind: String::new(), queues, pool_id, size: None, ring_region: None, ring_end: None, ring_name: None };
        let entry = match parsed {
            PortSpec::Null { size, mac } => {
                out.kind = "null".into();
                out.size = Some(size as u32);
                PortEntry {
                    block: Arc::new(PortBlock::create(PORT_KIND_NULL, nq, mac, pool_id).js()?),
                    native: None,
                    ring: None,
                    virtio: None,
                }
            }
            PortSpec::Ring { name } => {
                // The block first: if it cannot be made, no ring end has been taken yet (the end
                // would otherwise stay taken, and the name unusable, for the process's life).
                let block = Arc::new(PortBlock::create(PORT_KIND_RING, nq, [0; 6], pool_id).js()?);
                let (region, end) = ringpair::open(&name, queues as u16, pool_id).js()?;
                block.set_mac([0x02, 0x52, 0x49, 0x4e, 0x47, end as u8]);
                out.kind = "ring".into();
                out.ring_region = Some(registry::insert(Obj::Region(region)));
                out.ring_end = Some(end as u32);
                out.ring_name = Some(name.clone());
                PortEntry { block, native: None, ring: Some((name, end)), virtio: None }
            }
            PortSpec::Pcap { rx, tx, repeat } => {
                if queues != 1 {
                    return Err(invalid(format!("port '{spec}': pcap ports have exactly 1 queue, not {queues}")));
                }
                out.kind = "pcap".into();
                let block = Arc::new(PortBlock::create(PORT_KIND_PCAP, 1, [0x02, 0x50, 0x43, 0x41, 0x50, 0x01], pool_id).js()?);
                let p = PcapPort::open(rx.as_deref(), tx.as_deref(), repeat, pool, block.clone(), reserved.tag()).js()?;
                PortEntry { block, native: Some(Arc::new(p) as Arc<dyn NativePort>), ring: None, virtio: None }
            }
            PortSpec::Virtio { bdf, transport } => {
                out.kind = "virtio".into();
                let block = Arc::new(PortBlock::create(PORT_KIND_VIRTIO, nq, [0; 6], pool_id).js()?);
                let v = Arc::new(VirtioPort::open(&bdf, transport.as_deref(), pool, block.clone(), reserved.tag()).js()?);
                PortEntry { block, native: Some(v.clone() as Arc<dyn NativePort>), ring: None, virtio: Some(v) }
            }
            PortSpec::AfPacket { iface } => {
                out.kind = "af_packet".into();
                let block = Arc::new(PortBlock::create(PORT_KIND_AF_PACKET, nq, [0; 6], pool_id).js()?);
                let p = AfPacketPort::open(&spec, &iface, pool, block.clone()).js()?;
                PortEntry { block, native: Some(Arc::new(p) as Arc<dyn NativePort>), ring: None, virtio: None }
            }
            PortSpec::Tap { name } => {
                out.kind = "tap".into();
                let block = Arc::new(PortBlock::create(PORT_KIND_TAP, nq, [0; 6], pool_id).js()?);
                let p = TapPort::open(&spec, &name, pool, block.clone()).js()?;
                PortEntry { block, native: Some(Arc::new(p) as Arc<dyn NativePort>), ring: None, virtio: None }
            }
            PortSpec::AfXdp { iface, first_queue, mode, zerocopy, busy_poll_us } => {
                out.kind = "af_xdp".into();
                let block = Arc::new(PortBlock::create(PORT_KIND_AF_XDP, nq, [0; 6], pool_id).js()?);
                let cfg = ringway_core::port::xdp::XdpConfig { first_queue, mode, zerocopy, busy_poll_us };
                let p = AfXdpPort::open(&spec, &iface, &cfg, pool, block.clone()).js()?;
                PortEntry { block, native: Some(Arc::new(p) as Arc<dyn NativePort>), ring: None, virtio: None }
            }
        };
        let native = entry.native.clone();
        reserved.insert(entry);
        out.id = id;
        if let Some(n) = native {
            // received packets carry the port's id (META_PORT); pcap and virtio took it at open
            n.set_port_id(id as u16); // the tag: registry::PortId::tag
        }
        Ok(out)
    })
}

#[napi(object)]
pub struct PortClosed {
    /// ring ports: whether this was the last end (it must drain every ring of the pair)
    pub last_end: bool,
}

/// Closes a port: native backends release their resources (files flushed, buffers returned);
/// a ring end leaves its pair. Later calls with this id fail with ERR_RINGWAY_CLOSED.
#[napi]
pub fn port_close(id: u32) -> crate::errors::Result<PortClosed> {
    crate::guard::call("portClose", move || {
        let e = match registry::remove(id) {
            Some(Obj::Port(p)) => p,
            _ => return Err(closed(&format!("port {id}"))),
        };
        let mut last_end = true;
        if let Some(n) = &e.native {
            n.close().js()?;
        }
        if let Some((name, end)) = &e.ring {
            last_end = ringpair::close(name, *end);
        }
        Ok(PortClosed { last_end })
    })
}

/// Closes every natively driven port in the process, whichever thread opened it: virtio devices
/// are reset (DMA stops) and unmapped, pcap files closed. For the process's last moments (the
/// main thread's 'exit', or a fatal signal nobody else handles: src/port/port.ts); JS handles of
/// these ports then see ERR_RINGWAY_CLOSED, and bursts on them move nothing. Returns how many.
#[napi]
pub fn ports_close_all() -> crate::errors::Result<u32> {
    crate::guard::call("portsCloseAll", move || {
        Ok({
            let ports = registry::remove_native_ports();
            for e in &ports {
                if let Some(n) = &e.native {
                    // Best effort: one port failing to close must not keep the others' devices running.
                    let _ = n.close();
                }
            }
            ports.len() as u32
        })
    })
}

/// One thread's attachment to a natively driven port.
struct Attached {
    entry: Arc<PortEntry>,
    native: Arc<dyn NativePort>,
    /// queues this thread has claimed (bit q; PORT_MAX_QUEUES is 64)
    claimed: std::cell::Cell<u64>,
    /// the burst's handles, copied out of / into the exchange area (made once per attachment)
    scratch: std::cell::RefCell<Box<[u32; PORT_XCHG_MAX]>>,
}

/// This thread's tid (cached: gettid is a system call).
pub fn tid() -> u32 {
    thread_local! {
        // SAFETY: gettid has no preconditions.
        static TID: u32 = unsafe { libc::gettid() } as u32;
    }
    TID.with(|t| *t)
}

/// Claims queue q of port `id` for the calling thread (the one-thread-per-queue rule). JS calls
/// it once per queue per port handle, before the first burst.
#[napi]
pub fn port_claim_queue(id: u32, q: u32) -> crate::errors::Result<()> {
    crate::guard::call("portClaimQueue", move || {
        let e = registry::port(id)?;
        if q as usize >= e.block.n_queues() {
            return Err(invalid(format!("port {id} has {} queues; queue {q} does not exist", e.block.n_queues())));
        }
        e.block.claim_queue(q as u16, tid()).map_err(|owner| busy(id, q, owner))
    })
}

fn busy(id: u32, q: u32, owner: u32) -> napi::Error<crate::errors::Code> {
    crate::errors::to_js(ringway_core::error::Error::DeviceBusy(format!(
        "port {id} queue {q} is driven by thread {owner}; one thread per queue: give each worker its own queue (open the port with more queues) or close the other thread's handle first (this thread is {})",
        tid()
    )))
}

/// Gives queue q of port `id` up if the calling thread holds it (port close).
#[napi]
pub fn port_release_queue(id: u32, q: u32) -> crate::errors::Result<()> {
    crate::guard::call("portReleaseQueue", move || {
        if let Ok(e) = registry::port(id) {
            if (q as usize) < e.block.n_queues() {
                e.block.release_queue(q as u16, tid());
            }
        }
        Ok(())
    })
}

/// Why RX on queue q of port `id` stopped, when an error stopped it (a corrupt capture file).
#[napi]
pub fn port_rx_error(id: u32, q: u32) -> crate::errors::Result<Option<String>> {
    crate::guard::call("portRxError", move || Ok(registry::port(id)?.native.as_ref().and_then(|n| n.rx_error(q as u16))))
}

thread_local! {
    /// This thread's attachments, indexed by the slot `native_attach` returned. Per thread (each
    /// JS worker is one OS thread), so the per-burst lookup takes no lock and no refcount, and a
    /// slot can never be used by another thread; what a thread leaves attached is dropped when it
    /// exits.
    static ATTACHED: std::cell::RefCell<Vec<Option<Attached>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Attaches this thread to natively driven port `id`; returns the slot that `native_rx_burst` /
/// `native_tx_burst` take. Plain functions over a thread-local slot rather than methods of a
/// wrapped class: a class method pays for unwrapping `this` (type-tag check, private-property
/// lookup, borrow bookkeeping with an allocation) on every call: ~330 ns per empty burst on the
/// host, against ~115 ns for these as napi-rs functions and ~40 ns as the raw callbacks below
/// (and far more under QEMU TCG, where the virtio forwarder polls).
#[napi]
pub fn native_attach(id: u32) -> crate::errors::Result<u32> {
    crate::guard::call("nativeAttach", move || {
        let entry = registry::port(id)?;
        let native = entry.native.clone().ok_or_else(|| invalid(format!("port {id} is not natively driven")))?;
        Ok(ATTACHED.with(|t| {
            let mut t = t.borrow_mut();
            let a = Some(Attached {
                entry,
                native,
                claimed: std::cell::Cell::new(0),
                scratch: std::cell::RefCell::new(Box::new([0; PORT_XCHG_MAX])),
            });
            match t.iter().position(Option::is_none) {
                Some(i) => {
                    t[i] = a;
                    i as u32
                }
                None => {
                    t.push(a);
                    (t.len() - 1) as u32
                }
            }
        }))
    })
}

/// Releases this thread's attachment `slot` (unknown slots are ignored).
#[napi]
pub fn native_detach(slot: u32) -> crate::errors::Result<()> {
    crate::guard::call("nativeDetach", move || {
        ATTACHED.with(|t| {
            if let Some(a) = t.borrow_mut().get_mut(slot as usize) {
                *a = None;
            }
        });
        Ok(())
    })
}

/// Runs `f` on this thread's attachment `slot` for queue q (claimed for this thread on first
/// use); 0 when the slot or the queue is unknown or another thread drives the queue (counted in
/// the queue's PORT_Q_BAD): the burst entry points never throw.
fn with_queue(slot: u32, q: u32, f: impl FnOnce(&Attached) -> usize) -> u32 {
    ATTACHED.with(|t| {
        let t = t.borrow();
        let Some(Some(a)) = t.get(slot as usize) else { return 0 };
        if q as usize >= a.entry.block.n_queues() {
            return 0;
        }
        let bit = 1u64 << q;
        if a.claimed.get() & bit == 0 {
            if a.entry.block.claim_queue(q as u16, tid()).is_err() {
                a.entry.block.add(q as u16, PORT_Q_BAD, 1);
                return 0;
            }
            a.claimed.set(a.claimed.get() | bit);
        }
        f(a) as u32
    })
}

/// Receives up to `max` packets into queue q's exchange area; returns how many.
#[napi]
pub fn native_rx_burst(slot: u32, q: u32, max: u32) -> u32 {
    crate::guard::quiet(0, || {
        with_queue(slot, q, |a| {
            let mut buf = a.scratch.borrow_mut();
            let n = (max as usize).min(PORT_XCHG_MAX);
            let got = a.native.rx_burst(q as u16, &mut buf[..n]).min(n);
            a.entry.block.xchg_write(q as u16, &buf[..got]);
            got
        })
    })
}

/// Transmits the first `n` handles of queue q's exchange area; returns how many were accepted.
#[napi]
pub fn native_tx_burst(slot: u32, q: u32, n: u32) -> u32 {
    crate::guard::quiet(0, || {
        with_queue(slot, q, |a| {
            let mut buf = a.scratch.borrow_mut();
            let n = (n as usize).min(PORT_XCHG_MAX);
            a.entry.block.xchg_read(q as u16, &mut buf[..n]);
            a.native.tx_burst(q as u16, &buf[..n]).min(n)
        })
    })
}

/// The burst entry points as raw N-API callbacks: (slot, q, n) -> u32. The napi-rs generated
/// wrapper of even a plain numeric function opens and closes a borrow-tracking scope with a
/// malloc/free on every call (~40% of an empty burst on the host); these do only what the call
/// needs. Missing or non-numeric arguments make an unknown slot / zero count: never throws.
macro_rules! raw_burst {
    ($name:ident, $f:ident) => {
        unsafe extern "C" fn $name(env: napi::sys::napi_env, info: napi::sys::napi_callback_info) -> napi::sys::napi_value {
            // SAFETY: env/info of this callback, and the values read from it.
            unsafe {
                let [slot, q, n] = crate::raw::args::<3>(env, info);
                let (slot, q, n) =
                    (crate::raw::u32_arg(env, slot, u32::MAX), crate::raw::u32_arg(env, q, u32::MAX), crate::raw::u32_arg(env, n, 0));
                crate::raw::ret_u32(env, $f(slot, q, n))
            }
        }
    };
}
raw_burst!(raw_rx_burst, native_rx_burst);
raw_burst!(raw_tx_burst, native_tx_burst);

/// Replaces the generated `nativeRxBurst` / `nativeTxBurst` exports, and rings.rs's `ringWake`
/// and lpm.rs's `lpm4LookupBurst` (kept for their types in binding.d.ts), with raw callbacks.
#[napi(module_exports)]
pub fn install_raw_bursts(exports: napi::bindgen_prelude::Object, env: napi::Env) -> napi::Result<()> {
    for (name, cb) in [
        (c"nativeRxBurst", raw_rx_burst as unsafe extern "C" fn(_, _) -> _),
        (c"nativeTxBurst", raw_tx_burst as unsafe extern "C" fn(_, _) -> _),
        (c"ringWake", crate::rings::raw_ring_wake as unsafe extern "C" fn(_, _) -> _),
        (c"lpm4LookupBurst", crate::lpm::raw_lpm4_lookup_burst as unsafe extern "C" fn(_, _) -> _),
    ] {
        let mut f = std::ptr::null_mut();
        // SAFETY: env and exports are the module's, valid during registration; name is a
        // NUL-terminated C string (length -1 = NAPI_AUTO_LENGTH).
        let st = unsafe { napi::sys::napi_create_function(env.raw(), name.as_ptr(), -1, Some(cb), std::ptr::null_mut(), &mut f) };
        if st != napi::sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!("napi_create_function {name:?} failed ({st})")));
        }
        // SAFETY: as above; f is the function just created.
        let st = unsafe { napi::sys::napi_set_named_property(env.raw(), napi::JsValue::raw(&exports), name.as_ptr(), f) };
        if st != napi::sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!("exporting {name:?} failed ({st})")));
        }
    }
    Ok(())
}

#[napi(object)]
pub struct VirtioPortInfo {
    pub bdf: String,
    /// "vfio", "uio" or "vfio-noiommu"
    pub route: String,
    /// "modern" or "legacy"
    pub transport: String,
    /// negotiated feature bits, hex
    pub features: String,
    pub mac: String,
    pub link_up: bool,
    /// driver totals over all queues (the block's per-queue counters plus bad_used)
    pub ipackets: f64,
    pub opackets: f64,
    pub ierrors: f64,
    pub oerrors: f64,
    pub rx_nombuf: f64,
    /// used-ring entries the device wrote and we rejected (bad id or length)
    pub bad_used: f64,
    /// frames larger than a pool buffer (MRG_RXBUF num_buffers > 1), dropped whole (also in ierrors)
    pub rx_oversize: f64,
}

/// virtio ports: driver-level facts (route, transport, features, bad_used) the shared block has no
/// field for. Not for the hot path (takes the port's lock; re-reads the link state).
#[napi]
pub fn port_virtio_info(id: u32) -> crate::errors::Result<VirtioPortInfo> {
    crate::guard::call("portVirtioInfo", move || {
        let e = registry::port(id)?;
        let v = e.virtio.as_ref().ok_or_else(|| invalid(format!("port {id} is not a virtio port")))?;
        // a device the driver stopped as broken: its error (PCI address, the fix) instead of figures
        v.health().js()?;
        let link_up = v.refresh_link().ok_or_else(|| closed(&format!("port virtio:{}", v.bdf())))?;
        let s = v.driver_stats().ok_or_else(|| closed(&format!("port virtio:{}", v.bdf())))?;
        let mac = {
            let r = e.block.region().as_ptr();
            // SAFETY: 6 bytes at PORT_OFF_MAC lie inside the block header.
            let m = unsafe { std::slice::from_raw_parts(r.add(PORT_OFF_MAC), 6) };
            m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
        };
        Ok(VirtioPortInfo {
            bdf: v.bdf().to_string(),
            route: v.route().name().to_string(),
            transport: v.transport().to_string(),
            features: format!("{:#x}", v.features()),
            mac,
            link_up,
            ipackets: s.ipackets as f64,
            opackets: s.opackets as f64,
            ierrors: s.ierrors as f64,
            oerrors: s.oerrors as f64,
            rx_nombuf: s.rx_nombuf as f64,
            bad_used: s.bad_used as f64,
            rx_oversize: s.rx_oversize as f64,
        })
    })
}

#[napi(object)]
pub struct KernelPortInfo {
    pub ifname: String,
    pub ifindex: u32,
    /// how the port drives the interface (af_xdp: "native copy", "skb copy", "native zero-copy"...)
    pub mode: String,
    /// why that mode, and what the kernel refused (qdisc bypass, zero-copy, busy polling)
    pub notes: Vec<String>,
    /// re-read from the kernel by this call
    pub mtu: u32,
    pub link_up: bool,
}

/// Kernel-interface ports (af_packet, tap, af_xdp): the interface and the mode in use; re-reads
/// the link state and MTU into the shared block. Not for the hot path.
#[napi]
pub fn port_kernel_info(id: u32) -> crate::errors::Result<KernelPortInfo> {
    crate::guard::call("portKernelInfo", move || {
        let e = registry::port(id)?;
        let i = e
            .native
            .as_ref()
            .and_then(|n| n.kernel_info())
            .ok_or_else(|| invalid(format!("port {id} is not a kernel-interface port (af_packet, tap, af_xdp)")))?;
        Ok(KernelPortInfo { ifname: i.ifname, ifindex: i.ifindex, mode: i.mode, notes: i.notes, mtu: i.mtu, link_up: i.link_up })
    })
}
