//! The kernel's view of a PCI function under /sys/bus/pci/devices/BDF: identity, current driver,
//! IOMMU group, and (re)binding through `driver_override` + `drivers_probe`.
//! Trade-off: sysfs is slow and root-only, but it is the one interface every distro kernel has,
//! and nothing here is on the packet path.
use super::Bdf;
use crate::error::{Error, Result};
use std::fs;
use std::path::PathBuf;

pub fn dev_path(bdf: Bdf) -> PathBuf {
    PathBuf::from(format!("/sys/bus/pci/devices/{bdf}"))
}

fn read_hex(bdf: Bdf, attr: &str) -> Result<u32> {
    let p = dev_path(bdf).join(attr);
    let s = fs::read_to_string(&p).map_err(|e| Error::Io(format!("read {}: {e}", p.display())))?;
    let t = s.trim().trim_start_matches("0x");
    u32::from_str_radix(t, 16).map_err(|_| Error::Malformed(format!("{}: not hex: {s:?}", p.display())))
}

/// PCI identity as the kernel read it at enumeration time.
#[derive(Clone, Copy, Debug)]
pub struct Ident {
    pub vendor: u16,
    pub device: u16,
    pub class: u32,
}

pub fn ident(bdf: Bdf) -> Result<Ident> {
    if !dev_path(bdf).exists() {
        return Err(Error::Device(format!("no PCI device {bdf} (no {})", dev_path(bdf).display())));
    }
    Ok(Ident { vendor: read_hex(bdf, "vendor")? as u16, device: read_hex(bdf, "device")? as u16, class: read_hex(bdf, "class")? })
}

/// Name of the kernel driver bound to the device, if any.
pub fn driver(bdf: Bdf) -> Option<String> {
    let link = fs::read_link(dev_path(bdf).join("driver")).ok()?;
    link.file_name().map(|n| n.to_string_lossy().into_owned())
}

/// IOMMU group number, or None when the kernel runs without an IOMMU for this device.
pub fn iommu_group(bdf: Bdf) -> Option<u32> {
    let link = fs::read_link(dev_path(bdf).join("iommu_group")).ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// Is IOMMU group `g` one that vfio faked up for a device without an IOMMU (no-IOMMU mode)?
/// vfio names such groups "vfio-noiommu" and exposes them as /dev/vfio/noiommu-N
/// (drivers/vfio/vfio_main.c, Documentation/driver-api/vfio.rst).
pub fn is_noiommu_group(g: u32) -> bool {
    let name = fs::read_to_string(format!("/sys/kernel/iommu_groups/{g}/name")).unwrap_or_default();
    name.trim() == "vfio-noiommu" || std::path::Path::new(&format!("/dev/vfio/noiommu-{g}")).exists()
}

const NOIOMMU_PARAM: &str = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";

/// Does the loaded vfio module have no-IOMMU support (CONFIG_VFIO_NOIOMMU)? Unknown (false)
/// while vfio is not loaded.
pub fn vfio_noiommu_supported() -> bool {
    std::path::Path::new(NOIOMMU_PARAM).exists()
}

/// Is vfio's no-IOMMU mode on (`modprobe vfio enable_unsafe_noiommu_mode=1`)?
pub fn vfio_noiommu_enabled() -> bool {
    fs::read_to_string(NOIOMMU_PARAM).is_ok_and(|s| matches!(s.trim(), "Y" | "1"))
}

fn write_attr(path: PathBuf, val: &str) -> Result<()> {
    fs::write(&path, val).map_err(|e| Error::Io(format!("write '{val}' to {}: {e}", path.display())))
}

/// Unbind from the current driver (if any) and let `drv` claim the device.
/// `driver_override` makes the choice sticky: a later hotplug or probe picks the same driver,
/// so the device cannot be grabbed back by virtio-pci while we use it. An empty `drv`
/// clears the override and lets the kernel pick its default driver again.
pub fn bind(bdf: Bdf, drv: &str) -> Result<()> {
    let dev = dev_path(bdf);
    write_attr(dev.join("driver_override"), if drv.is_empty() { "\n" } else { drv })?;
    if driver(bdf).is_some() {
        write_attr(dev.join("driver/unbind"), &bdf.to_string())?;
    }
    // drivers_probe can fail with ENODEV when no driver wants the device; report by result.
    let _ = fs::write("/sys/bus/pci/drivers_probe", bdf.to_string());
    match driver(bdf) {
        Some(d) if drv.is_empty() || d == drv => Ok(()),
        other => Err(Error::Device(format!(
            "{bdf}: bind to '{drv}' failed (now bound to {}); is the module loaded (modprobe {})?",
            other.as_deref().unwrap_or("nothing"),
            drv.replace('-', "_")
        ))),
    }
}
