//! Reaching a PCI function from user space: which kernel stub driver owns it decides the route.
//! - vfio-pci        -> `vfio`: IOMMU-translated DMA, config + BARs through vfio regions.
//! - uio_pci_generic -> `uio`: physical-address DMA, config + BARs through sysfs files.
//! - vfio-pci in no-IOMMU mode -> `vfio-noiommu`: config + BARs through vfio regions like
//!   `vfio`, but DMA is untranslated, so the device gets physical addresses like `uio`.
//!   The kernel offers it only when built with CONFIG_VFIO_NOIOMMU and loaded with
//!   `vfio enable_unsafe_noiommu_mode=1`; the group is then /dev/vfio/noiommu-N, backed by a
//!   fake IOMMU group named "vfio-noiommu" (Documentation/driver-api/vfio.rst, "VFIO
//!   NO-IOMMU mode"; include/uapi/linux/vfio.h, VFIO_NOIOMMU_IOMMU).
//!
//! Anything else (virtio-pci, nothing) is an error that says which command fixes it: we never
//! rebind a device implicitly, because that would take a NIC away from the kernel under an
//! administrator's feet.
pub mod dma;
pub mod uio;
pub mod vfio;
pub mod vfio_irq;
pub(crate) mod vfio_uapi;
pub mod watchdog;

use crate::error::{Error, Result};
use crate::pci::{bar::Bar, config::ConfigSpace, sysfs, Bdf};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    Vfio,
    Uio,
    /// vfio-pci without an IOMMU: vfio regions, physical-address DMA.
    VfioNoIommu,
}

impl Route {
    /// The name `ringway devices`, `Port.virtioInfo()` and `ringway fwd` show.
    pub fn name(self) -> &'static str {
        match self {
            Route::Vfio => "vfio",
            Route::Uio => "uio",
            Route::VfioNoIommu => "vfio-noiommu",
        }
    }

    /// Does the device see physical addresses (no IOMMU in between)?
    pub fn physical(self) -> bool {
        self != Route::Vfio
    }
}

/// The stub driver `ringway bind` should suggest for a function without a driver we use.
pub(crate) fn suggested_driver(bdf: Bdf) -> &'static str {
    if sysfs::iommu_group(bdf).is_some() || sysfs::vfio_noiommu_enabled() {
        "vfio-pci"
    } else {
        "uio_pci_generic"
    }
}

/// Why vfio-pci cannot work for a function without an IOMMU group, and what fixes it.
pub(crate) fn no_group_fix() -> &'static str {
    if sysfs::vfio_noiommu_supported() {
        "enable vfio's no-IOMMU mode with `modprobe vfio enable_unsafe_noiommu_mode=1` (or echo 1 > \
         /sys/module/vfio/parameters/enable_unsafe_noiommu_mode; unsafe: the device can DMA anywhere, taints the \
         kernel), or use an IOMMU (intel_iommu=on / amd_iommu=on, a vIOMMU in a VM) or --driver uio_pci_generic"
    } else {
        "enable it with `modprobe vfio enable_unsafe_noiommu_mode=1` (needs a kernel built with \
         CONFIG_VFIO_NOIOMMU), or use an IOMMU (intel_iommu=on / amd_iommu=on, a vIOMMU in a VM) or \
         --driver uio_pci_generic"
    }
}

enum Inner {
    Vfio(vfio::VfioDevice),
    Uio(uio::UioDevice),
}

/// An opened PCI function: config space plus on-demand BAR mappings.
pub struct Device {
    pub bdf: Bdf,
    pub route: Route,
    pub config: ConfigSpace,
    // Declared last: dropped after `config`, so the vfio device fd closes last.
    inner: Inner,
}

/// Decide the route from the device's current driver, or say how to bind it.
pub fn route(bdf: Bdf) -> Result<Route> {
    sysfs::ident(bdf)?;
    let fix = suggested_driver(bdf);
    match sysfs::driver(bdf).as_deref() {
        Some("vfio-pci") => match sysfs::iommu_group(bdf) {
            Some(g) if sysfs::is_noiommu_group(g) => Ok(Route::VfioNoIommu),
            Some(_) => Ok(Route::Vfio),
            None => Err(Error::Device(format!("{bdf} is bound to vfio-pci but has no IOMMU group: {}", no_group_fix()))),
        },
        Some("uio_pci_generic") => Ok(Route::Uio),
        Some(k) => Err(Error::DeviceBusy(format!("{bdf} is bound to the kernel driver {k}; run `ringway bind {bdf} --driver {fix}`"))),
        None => Err(Error::Device(format!("{bdf} is not bound to any driver; run `ringway bind {bdf} --driver {fix}`"))),
    }
}

impl Device {
    pub fn open(bdf: Bdf) -> Result<Device> {
        let route = route(bdf)?;
        match route {
            Route::Vfio | Route::VfioNoIommu => {
                let group = sysfs::iommu_group(bdf)
                    .ok_or_else(|| Error::Device(format!("{bdf} is bound to vfio-pci but has no IOMMU group: {}", no_group_fix())))?;
                let dev = vfio::VfioDevice::open(bdf, group, route == Route::VfioNoIommu)?;
                let r = dev.region(vfio::CONFIG_REGION_INDEX)?;
                let config = ConfigSpace::new(dev.file().clone(), r.offset, r.size);
                Ok(Device { bdf, route, config, inner: Inner::Vfio(dev) })
            }
            Route::Uio => {
                let dev = uio::UioDevice::open(bdf)?;
                let f = dev.open_file("config")?;
                let len = f.metadata().map(|m| m.len()).unwrap_or(256).max(256);
                let config = ConfigSpace::new(Arc::new(f), 0, len);
                Ok(Device { bdf, route, config, inner: Inner::Uio(dev) })
            }
        }
    }

    /// The vfio device, when bound through vfio-pci (interrupts: bind/vfio_irq.rs).
    pub fn vfio(&self) -> Option<&vfio::VfioDevice> {
        match &self.inner {
            Inner::Vfio(d) => Some(d),
            Inner::Uio(_) => None,
        }
    }

    /// The uio device, when bound through uio_pci_generic (interrupts: `UioDevice::open_irq`).
    pub fn uio(&self) -> Option<&uio::UioDevice> {
        match &self.inner {
            Inner::Uio(d) => Some(d),
            Inner::Vfio(_) => None,
        }
    }

    /// Map BAR `i` (memory BARs by mmap, I/O BARs by file access; see pci/bar.rs).
    pub fn map_bar(&self, i: usize) -> Result<Bar> {
        let missing = || Error::Device(format!("{}: BAR{i} is not implemented by the device", self.bdf));
        match &self.inner {
            Inner::Vfio(d) => {
                let r = d.region(i as u32)?;
                if r.size == 0 {
                    return Err(missing());
                }
                // Not mmappable (I/O BAR), or mmap refused (e.g. the MSI-X table shares the
                // BAR on some devices): register access through pread/pwrite on the region,
                // slower but correct.
                if vfio::VfioDevice::region_mmappable(&r) {
                    if let Ok(b) = Bar::map_mmio(d.file(), r.offset, r.size as usize) {
                        return Ok(b);
                    }
                }
                Ok(Bar::io(d.file().clone(), r.offset, r.size as usize))
            }
            Inner::Uio(d) => {
                let (start, end, flags) = d.resource(i)?;
                if end <= start || !d.has_resource_file(i) {
                    return Err(missing());
                }
                let size = (end - start + 1) as usize;
                let f = d.open_file(&format!("resource{i}"))?;
                const IORESOURCE_IO: u64 = 0x100;
                if flags & IORESOURCE_IO != 0 {
                    Ok(Bar::io(Arc::new(f), 0, size))
                } else {
                    Bar::map_mmio(&f, 0, size)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_names_and_addressing() {
        assert_eq!(Route::Vfio.name(), "vfio");
        assert_eq!(Route::Uio.name(), "uio");
        assert_eq!(Route::VfioNoIommu.name(), "vfio-noiommu");
        assert!(!Route::Vfio.physical());
        assert!(Route::Uio.physical() && Route::VfioNoIommu.physical());
    }

    #[test]
    fn the_no_group_fix_names_noiommu_mode_and_the_alternatives() {
        let f = no_group_fix();
        for want in ["modprobe vfio enable_unsafe_noiommu_mode=1", "IOMMU", "uio_pci_generic"] {
            assert!(f.contains(want), "{f}");
        }
    }
}
