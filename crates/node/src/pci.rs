//! Device binding and hugepages for the CLI (`ringway devices|bind|unbind|hugepages`): argument
//! conversion over ringway_core::pci::devbind and mem::hugepages, nothing else; and the thread
//! pinning of pipeline workers (ringway_core::cpu).
use crate::errors::IntoJs;
use napi_derive::napi;
use ringway_core::mem::hugepages;
use ringway_core::pci::devbind::{self, NetDevice};

#[napi(object)]
pub struct PciNetDevice {
    pub bdf: String,
    /// "1af4:1041"
    pub id: String,
    pub name: String,
    pub driver: Option<String>,
    pub iommu_group: Option<u32>,
    pub interfaces: Vec<String>,
    /// "vfio" | "uio" | "vfio-noiommu" (ready), "bind" (needs `ringway bind`), "no" (no ringway driver)
    pub usable: String,
    pub note: String,
}

fn conv(d: NetDevice) -> PciNetDevice {
    PciNetDevice {
        bdf: d.bdf,
        id: format!("{:04x}:{:04x}", d.vendor, d.device),
        name: d.name,
        driver: d.driver,
        iommu_group: d.iommu_group,
        interfaces: d.interfaces,
        usable: d.usable,
        note: d.note,
    }
}

#[napi]
pub fn pci_devices() -> crate::errors::Result<Vec<PciNetDevice>> {
    crate::guard::call("pciDevices", move || Ok(devbind::list().js()?.into_iter().map(conv).collect()))
}

/// Binds to vfio-pci or uio_pci_generic (loading the module when needed). Root only.
#[napi]
pub fn pci_bind(bdf: String, driver: String) -> crate::errors::Result<PciNetDevice> {
    crate::guard::call("pciBind", move || Ok(conv(devbind::bind(&bdf, &driver).js()?)))
}

/// Back to the kernel's own driver (driver_override cleared, reprobed). Root only.
#[napi]
pub fn pci_unbind(bdf: String) -> crate::errors::Result<PciNetDevice> {
    crate::guard::call("pciUnbind", move || Ok(conv(devbind::unbind(&bdf).js()?)))
}

#[napi(object)]
pub struct HugepageInfo {
    pub total: f64,
    pub free: f64,
    pub size_kib: f64,
}

fn hp(h: hugepages::Hugepages) -> HugepageInfo {
    HugepageInfo { total: h.total as f64, free: h.free as f64, size_kib: h.size_kib as f64 }
}

#[napi]
pub fn hugepages_show() -> crate::errors::Result<HugepageInfo> {
    crate::guard::call("hugepagesShow", move || Ok(hp(hugepages::show().js()?)))
}

#[napi]
pub fn hugepages_reserve(n: u32) -> crate::errors::Result<HugepageInfo> {
    crate::guard::call("hugepagesReserve", move || Ok(hp(hugepages::reserve(n as u64).js()?)))
}

/// Pins the calling thread (a pipeline worker) to these CPUs (ringway_core::cpu).
#[napi]
pub fn pin_thread(cpus: Vec<u32>) -> crate::errors::Result<()> {
    crate::guard::call("pinThread", move || {
        ringway_core::cpu::pin_current_thread(&cpus.iter().map(|&c| c as usize).collect::<Vec<_>>()).js()
    })
}

/// CPUs the calling thread may run on now.
#[napi]
pub fn thread_cpus() -> crate::errors::Result<Vec<u32>> {
    crate::guard::call("threadCpus", move || Ok(ringway_core::cpu::thread_cpus().js()?.into_iter().map(|c| c as u32).collect()))
}
