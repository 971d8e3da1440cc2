//! Guest-side driver checks for the QEMU harness (test/qemu). Runs as root inside the guest.
//!
//!   virtio_smoke bind BDF DRIVER                    (DRIVER "" = back to the kernel default)
//!   virtio_smoke route BDF                          print the route or the binding error
//!   virtio_smoke info BDF [--legacy|--modern]       open, print MAC/link/features, close
//!   virtio_smoke fwd BDF_A BDF_B [--secs S] [--queues Q] [--legacy] [--inject-bad-len N]
//!       forward A<->B until SIGTERM/SIGINT or S seconds, then print per-NIC stats
//!   virtio_smoke bench BDF_A BDF_B [--secs S] [--burst N]
//!       peer benchmark like `testpmd --forward-mode=io --tx-first`: N 64-byte frames are sent
//!       on each NIC, then everything received is forwarded to the other NIC for S seconds
//!
//! Output lines are `key=value` so guest scripts can grep them.
use ringway_core::bind;
use ringway_core::pci::{sysfs, Bdf};
use ringway_core::virtio::{Config, DmaBuffers, DmaPool, TransportKind, VirtioNet};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn arg_val(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn cfg_from(args: &[String]) -> Config {
    let mut c = Config::default();
    if args.iter().any(|a| a == "--legacy") {
        c.transport = TransportKind::Legacy;
    }
    if args.iter().any(|a| a == "--modern") {
        c.transport = TransportKind::Modern;
    }
    if let Some(q) = arg_val(args, "--queues") {
        c.queue_pairs = q.parse().expect("--queues N");
    }
    c
}

fn mac_str(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().map(String::as_str).unwrap_or("");
    let r = match cmd {
        "bind" => bind_cmd(&args),
        "route" => route_cmd(&args),
        "info" => info_cmd(&args),
        "fwd" => fwd_cmd(&args),
        "bench" => bench_cmd(&args),
        _ => Err("usage: virtio_smoke bind|route|info|fwd ... (see source header)".to_string()),
    };
    if let Err(e) = r {
        println!("error={e}");
        std::process::exit(1);
    }
}

fn bind_cmd(args: &[String]) -> Result<(), String> {
    let bdf: Bdf = args.get(1).ok_or("bind BDF DRIVER")?.parse().map_err(|e| format!("{e}"))?;
    let drv = args.get(2).map(String::as_str).unwrap_or("");
    sysfs::bind(bdf, drv).map_err(|e| e.to_string())?;
    println!("bdf={bdf} driver={}", sysfs::driver(bdf).unwrap_or_default());
    Ok(())
}

fn route_cmd(args: &[String]) -> Result<(), String> {
    let bdf: Bdf = args.get(1).ok_or("route BDF")?.parse().map_err(|e| format!("{e}"))?;
    let r = bind::route(bdf).map_err(|e| e.to_string())?;
    println!("route={r:?}");
    Ok(())
}

fn info_cmd(args: &[String]) -> Result<(), String> {
    let bdf = args.get(1).ok_or("info BDF")?;
    let t0 = Instant::now();
    let pool = DmaPool::new(1024).map_err(|e| e.to_string())?;
    let mut nic = VirtioNet::open(bdf, &cfg_from(args), pool).map_err(|e| e.to_string())?;
    println!(
        "bdf={bdf} mac={} link_up={} transport={} route={:?} features={:#x} queue_pairs={} open_ms={}",
        mac_str(nic.mac()),
        nic.link_up(),
        nic.transport_name(),
        nic.route().unwrap(),
        nic.features(),
        nic.queue_pairs(),
        t0.elapsed().as_millis()
    );
    let posted = nic.pool().capacity() - nic.pool().available();
    nic.close();
    println!("rx_posted={posted} pool_after_close={}/{}", nic.pool().available(), nic.pool().capacity());
    Ok(())
}

type Nic = VirtioNet<Rc<RefCell<DmaPool>>>;

/// One polling pass src -> dst over every RX queue of src; returns packets moved.
fn forward(src: &mut Nic, dst: &mut Nic, buf: &mut [u32; 32], rr: &mut u16) -> usize {
    let mut moved = 0;
    for q in 0..src.queue_pairs() {
        let n = src.rx_burst(q, buf);
        if n == 0 {
            continue;
        }
        moved += n;
        // Spread over the TX queues so every pair carries traffic in the MQ case.
        let tq = *rr % dst.queue_pairs();
        *rr = rr.wrapping_add(1);
        let sent = dst.tx_burst(tq, &buf[..n]);
        if sent < n {
            src.pool_mut().free_burst(&buf[sent..n]);
        }
    }
    moved
}

fn fwd_cmd(args: &[String]) -> Result<(), String> {
    let (a, b) = (args.get(1).ok_or("fwd A B")?, args.get(2).ok_or("fwd A B")?);
    let secs: u64 = arg_val(args, "--secs").map(|s| s.parse().unwrap()).unwrap_or(60);
    let inject: u32 = arg_val(args, "--inject-bad-len").map(|s| s.parse().unwrap()).unwrap_or(0);
    let cfg = cfg_from(args);
    // SAFETY: installing an async-signal-safe handler that only stores an atomic flag.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
    }
    let pool = Rc::new(RefCell::new(DmaPool::new(8192).map_err(|e| e.to_string())?));
    let mut na = VirtioNet::open(a, &cfg, pool.clone()).map_err(|e| format!("{a}: {e}"))?;
    let mut nb = VirtioNet::open(b, &cfg, pool.clone()).map_err(|e| format!("{b}: {e}"))?;
    if inject > 0 {
        na.inject_bad_used_len(0, inject);
    }
    println!(
        "fwd_ready a={a} a_mac={} a_link={} b={b} b_mac={} b_link={} transport={} pairs={}/{}",
        mac_str(na.mac()),
        na.link_up(),
        mac_str(nb.mac()),
        nb.link_up(),
        na.transport_name(),
        na.queue_pairs(),
        nb.queue_pairs()
    );
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut buf = [0u32; 32];
    let mut rr = 0u16;
    while !STOP.load(Ordering::Relaxed) && Instant::now() < deadline {
        let moved = forward(&mut na, &mut nb, &mut buf, &mut rr) + forward(&mut nb, &mut na, &mut buf, &mut rr);
        if moved == 0 {
            // Idle: give the vCPU to the traffic generator (TCG guests have few).
            std::thread::yield_now();
        }
    }
    for (name, nic) in [("a", &na), ("b", &nb)] {
        let s = nic.stats();
        println!(
            "stats nic={name} ipackets={} opackets={} ibytes={} obytes={} ierrors={} oerrors={} imissed={} rx_nombuf={} bad_used={}",
            s.ipackets, s.opackets, s.ibytes, s.obytes, s.ierrors, s.oerrors, s.imissed, s.rx_nombuf, s.bad_used
        );
        for q in 0..nic.queue_pairs() {
            let s = nic.queue_stats(q);
            println!("qstats nic={name} q={q} ipackets={} opackets={}", s.ipackets, s.opackets);
        }
    }
    na.close();
    nb.close();
    // Wait for TX reclaim is not possible after reset: close() returns in-flight buffers itself.
    let p = pool.borrow();
    println!("pool_after_close={}/{}", p.available(), p.capacity());
    Ok(())
}

fn bench_cmd(args: &[String]) -> Result<(), String> {
    let (a, b) = (args.get(1).ok_or("bench A B")?, args.get(2).ok_or("bench A B")?);
    let secs: f64 = arg_val(args, "--secs").map(|s| s.parse().unwrap()).unwrap_or(10.0);
    let burst: usize = arg_val(args, "--burst").map(|s| s.parse().unwrap()).unwrap_or(32);
    let cfg = Config { promisc: None, ..cfg_from(args) };
    let pool = Rc::new(RefCell::new(DmaPool::new(8192).map_err(|e| e.to_string())?));
    let mut na = VirtioNet::open(a, &cfg, pool.clone()).map_err(|e| format!("{a}: {e}"))?;
    let mut nb = VirtioNet::open(b, &cfg, pool.clone()).map_err(|e| format!("{b}: {e}"))?;
    // --tx-first: seed the loop with `burst` broadcast frames from each side.
    for nic in [&mut na, &mut nb] {
        let mut hs = vec![0u32; burst];
        let n = pool.borrow_mut().alloc_burst(&mut hs);
        let src = nic.mac();
        for &h in &hs[..n] {
            let p = pool.borrow();
            let off = p.rx_data_off();
            // SAFETY: a fresh handle from the pool: 60 bytes at data_off are inside the buffer.
            let f = unsafe { std::slice::from_raw_parts_mut(p.virt(h).add(off as usize), 60) };
            f.fill(0);
            f[..6].fill(0xff);
            f[6..12].copy_from_slice(&src);
            f[12..14].copy_from_slice(&[0x88, 0xb5]);
            drop(p);
            pool.borrow_mut().set_data(h, off, 60);
        }
        let sent = nic.tx_burst(0, &hs[..n]);
        pool.borrow_mut().free_burst(&hs[sent..n]);
    }
    let mut buf = [0u32; 32];
    let mut rr = 0u16;
    let t0 = Instant::now();
    let mut moved = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        moved += (forward(&mut na, &mut nb, &mut buf, &mut rr) + forward(&mut nb, &mut na, &mut buf, &mut rr)) as u64;
    }
    let dt = t0.elapsed().as_secs_f64();
    let (sa, sb) = (na.stats(), nb.stats());
    println!(
        "bench forwarded={moved} secs={dt:.2} kpps={:.1} a_rx={} b_rx={} a_tx={} b_tx={} nombuf={} bad_used={}",
        moved as f64 / dt / 1000.0,
        sa.ipackets,
        sb.ipackets,
        sa.opackets,
        sb.opackets,
        sa.rx_nombuf + sb.rx_nombuf,
        sa.bad_used + sb.bad_used
    );
    Ok(())
}
