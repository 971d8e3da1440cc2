//! What `ringway devices|bind|unbind` do (dpdk-devbind.py's job): list network functions with
//! their driver, IOMMU group and the route our driver would take, and move a function between
//! its kernel driver and a user-space stub (vfio-pci, uio_pci_generic).
//! Only virtio-net functions can be driven by ringway today; others are listed as not usable.
use super::{sysfs, Bdf};
use crate::error::{Error, Result};
use std::path::Path;

pub const STUB_DRIVERS: [&str; 2] = ["vfio-pci", "uio_pci_generic"];

#[derive(Clone, Debug)]
pub struct NetDevice {
    pub bdf: String,
    pub vendor: u16,
    pub device: u16,
    /// human name when we know the id
    pub name: String,
    pub driver: Option<String>,
    pub iommu_group: Option<u32>,
    /// kernel interfaces on the function (empty once bound to a stub)
    pub interfaces: Vec<String>,
    /// "vfio" / "uio" / "vfio-noiommu" (the route, `bind::Route::name`) when bound to a stub we can drive, "bind" when it needs `ringway bind`,
    /// "no" when ringway has no driver for it
    pub usable: String,
    /// one line: how to use it, or why not
    pub note: String,
}

/// Names for the ids we are likely to meet (virtio §4.1.2, QEMU's emulated NICs).
pub fn known_name(vendor: u16, device: u16) -> &'static str {
    match (vendor, device) {
        (0x1af4, 0x1000) => "virtio-net (transitional)",
        (0x1af4, 0x1041) => "virtio-net (modern)",
        (0x8086, 0x100e) => "Intel 82540EM (e1000)",
        (0x8086, 0x10d3) => "Intel 82574L (e1000e)",
        (0x8086, 0x10ca) | (0x8086, 0x1520) | (0x8086, 0x154c) => "Intel VF",
        (0x10ec, 0x8139) => "Realtek RTL8139",
        (0x15ad, 0x07b0) => "VMware vmxnet3",
        (0x1d0f, 0xec20) | (0x1d0f, 0xefa0) => "Amazon ENA",
        _ => "",
    }
}

pub fn is_virtio_net(vendor: u16, device: u16) -> bool {
    vendor == 0x1af4 && (device == 0x1000 || device == 0x1041)
}

fn interfaces(bdf: Bdf) -> Vec<String> {
    // virtio-net's netdev hangs under virtioN/net, other drivers put it under net/ directly
    let dev = sysfs::dev_path(bdf);
    let mut out = Vec::new();
    let mut scan = |p: &Path| {
        if let Ok(rd) = std::fs::read_dir(p) {
            out.extend(rd.flatten().map(|e| e.file_name().to_string_lossy().into_owned()));
        }
    };
    scan(&dev.join("net"));
    if let Ok(rd) = std::fs::read_dir(&dev) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with("virtio") {
                scan(&e.path().join("net"));
            }
        }
    }
    out.sort();
    out
}

/// One function's entry (`bdf` must exist).
pub fn describe(bdf: Bdf) -> Result<NetDevice> {
    let id = sysfs::ident(bdf)?;
    let driver = sysfs::driver(bdf);
    let group = sysfs::iommu_group(bdf);
    let ours = is_virtio_net(id.vendor, id.device);
    let want = crate::bind::suggested_driver(bdf);
    let (usable, note) = match (ours, driver.as_deref()) {
        (false, _) => ("no", "no ringway driver for this NIC (virtio-net only)".to_string()),
        (true, Some("vfio-pci")) => match group {
            Some(g) if sysfs::is_noiommu_group(g) => (
                "vfio-noiommu",
                format!(
                    "ready: Port.open('virtio:{bdf}') (vfio-pci no-IOMMU, /dev/vfio/noiommu-{g}: physical addresses, \
                     needs hugepages; no DMA isolation)"
                ),
            ),
            Some(g) => ("vfio", format!("ready: Port.open('virtio:{bdf}') (vfio-pci, IOMMU group {g})")),
            None => ("no", format!("vfio-pci without an IOMMU group: {}", crate::bind::no_group_fix())),
        },
        (true, Some("uio_pci_generic")) => {
            ("uio", format!("ready: Port.open('virtio:{bdf}') (uio_pci_generic: physical addresses, needs hugepages)"))
        }
        (true, _) => ("bind", format!("ringway bind {bdf} --driver {want}")),
    };
    let ifs = interfaces(bdf);
    // Binding takes the NIC away from the kernel: say so when it carries an interface (SSH!).
    let note = if usable == "bind" && !ifs.is_empty() { format!("{note} (takes {} away from the kernel)", ifs.join(",")) } else { note };
    Ok(NetDevice {
        bdf: bdf.to_string(),
        vendor: id.vendor,
        device: id.device,
        name: known_name(id.vendor, id.device).to_string(),
        driver,
        iommu_group: group,
        interfaces: ifs,
        usable: usable.into(),
        note,
    })
}

/// Every PCI network controller (class 0x02) on the machine, in BDF order.
pub fn list() -> Result<Vec<NetDevice>> {
    let rd = match std::fs::read_dir("/sys/bus/pci/devices") {
        Ok(rd) => rd,
        // containers and some VMs have no PCI bus in sysfs: nothing to list
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::Io(format!("read /sys/bus/pci/devices: {e}"))),
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let Ok(bdf) = e.file_name().to_string_lossy().parse::<Bdf>() else { continue };
        match sysfs::ident(bdf) {
            Ok(id) if id.class >> 16 == 0x02 => out.push(describe(bdf)?),
            _ => {}
        }
    }
    out.sort_by(|a, b| a.bdf.cmp(&b.bdf));
    Ok(out)
}

fn need_root(what: &str) -> Result<()> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(Error::Device(format!("{what} writes to /sys and needs root; run it with sudo")));
    }
    Ok(())
}

fn module_loaded(drv: &str) -> bool {
    Path::new("/sys/bus/pci/drivers").join(drv).exists()
}

/// Loads the stub driver's module when its PCI driver is not registered yet.
fn load_module(drv: &str) -> Result<()> {
    if module_loaded(drv) {
        return Ok(());
    }
    // vfio_iommu_type1 is only a soft dependency of vfio-pci: some modprobes (busybox) skip it.
    let mods: &[&str] = if drv == "vfio-pci" { &["vfio_iommu_type1", "vfio-pci"] } else { &[drv] };
    for m in mods {
        let r = std::process::Command::new("modprobe").arg(m).output();
        match r {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                return Err(Error::Device(format!(
                    "modprobe {m} failed: {}; install the kernel's extra modules (e.g. linux-modules-extra-$(uname -r)) \
                     or build it in",
                    String::from_utf8_lossy(&o.stderr).trim()
                )))
            }
            Err(e) => return Err(Error::Device(format!("cannot run modprobe {m}: {e}; load the module by hand"))),
        }
    }
    if module_loaded(drv) {
        Ok(())
    } else {
        Err(Error::Device(format!("module for {drv} loaded but the driver did not register")))
    }
}

/// `ringway bind BDF --driver D`: hand the function to a user-space stub driver.
pub fn bind(bdf: &str, drv: &str) -> Result<NetDevice> {
    let b: Bdf = super::super::port::spec::parse_bdf(bdf)?.parse()?;
    if !STUB_DRIVERS.contains(&drv) {
        return Err(Error::InvalidArgument(format!("driver '{drv}': use vfio-pci or uio_pci_generic")));
    }
    sysfs::ident(b)?;
    need_root("ringway bind")?;
    // Without an IOMMU group vfio-pci only probes in no-IOMMU mode (it then makes a fake group).
    if drv == "vfio-pci" && sysfs::iommu_group(b).is_none() && !sysfs::vfio_noiommu_enabled() {
        return Err(Error::Device(format!("{b} has no IOMMU group, so vfio-pci cannot take it: {}", crate::bind::no_group_fix())));
    }
    load_module(drv)?;
    if sysfs::driver(b).as_deref() != Some(drv) {
        sysfs::bind(b, drv)?;
    }
    describe(b)
}

/// `ringway unbind BDF`: give the function back to its kernel driver (clear driver_override,
/// unbind from the stub, reprobe).
pub fn unbind(bdf: &str) -> Result<NetDevice> {
    let b: Bdf = super::super::port::spec::parse_bdf(bdf)?.parse()?;
    sysfs::ident(b)?;
    need_root("ringway unbind")?;
    sysfs::bind(b, "")?;
    describe(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_and_missing_addresses_are_named() {
        let e = bind("00:10.0", "vfio-pci").unwrap_err().to_string();
        assert!(e.contains("bad PCI address '00:10.0'"), "{e}");
        let e = bind("0000:00:10.0", "e1000").unwrap_err().to_string();
        assert!(e.contains("use vfio-pci or uio_pci_generic"), "{e}");
        let e = unbind("ffff:ff:1f.7").unwrap_err().to_string();
        assert!(e.contains("no PCI device ffff:ff:1f.7"), "{e}");
    }

    #[test]
    fn list_only_has_network_functions() {
        for d in list().unwrap() {
            let id = sysfs::ident(d.bdf.parse().unwrap()).unwrap();
            assert_eq!(id.class >> 16, 0x02, "{d:?}");
            assert!(["vfio", "uio", "vfio-noiommu", "bind", "no"].contains(&d.usable.as_str()));
        }
    }
}
