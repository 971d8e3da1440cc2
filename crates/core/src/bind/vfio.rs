//! vfio-pci route: container -> group -> device, type1 IOMMU, regions for BARs and config.
//! Linux uAPI <linux/vfio.h>. One container per process (like DPDK): all groups share one IOVA
//! space, so a buffer pool is mapped once and every NIC can DMA to it. The container lives
//! while at least one vfio device is open; the last close unmaps all DMA and closes it.
//!
//! No-IOMMU mode (Documentation/driver-api/vfio.rst, "VFIO NO-IOMMU mode"): the group node is
//! /dev/vfio/noiommu-N, opening it needs CAP_SYS_RAWIO, and the container only accepts
//! VFIO_NOIOMMU_IOMMU, which has no MAP_DMA: the device sees physical addresses, so the
//! process uses the physical-address IOVA mode (bind/dma.rs) as under uio_pci_generic. DPDK's
//! EAL does the same (its no-IOMMU DMA "map" is a no-op and it requires IOVA-as-PA).
//! A container holds groups of one kind only: the IOVA mode refuses mixing them.
use super::dma;
use crate::error::{Error, Result};
use crate::pci::Bdf;
use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::{Arc, Mutex};

pub use super::vfio_uapi::CONFIG_REGION_INDEX;
use super::vfio_uapi::*;

#[repr(C)]
#[derive(Default)]
struct GroupStatus {
    argsz: u32,
    flags: u32,
}
#[repr(C)]
#[derive(Default)]
struct DeviceInfo {
    argsz: u32,
    flags: u32,
    num_regions: u32,
    num_irqs: u32,
}
#[repr(C)]
#[derive(Default, Clone, Copy, Debug)]
pub struct RegionInfo {
    argsz: u32,
    pub flags: u32,
    index: u32,
    cap_offset: u32,
    pub size: u64,
    pub offset: u64,
}
#[repr(C)]
struct DmaMap {
    argsz: u32,
    flags: u32,
    vaddr: u64,
    iova: u64,
    size: u64,
}
#[repr(C)]
struct DmaUnmap {
    argsz: u32,
    flags: u32,
    iova: u64,
    size: u64,
}

fn ioctl<T>(fd: i32, req: u64, arg: *mut T) -> libc::c_int {
    // SAFETY: every caller passes a request whose argument layout is the #[repr(C)] T (or a
    // plain integer cast to a pointer for the by-value requests), as <linux/vfio.h> defines.
    unsafe { libc::ioctl(fd, req as _, arg) }
}

pub(crate) fn map_dma(container: i32, va: usize, iova: u64, len: usize) -> Result<()> {
    let mut m = DmaMap { argsz: size_of::<DmaMap>() as u32, flags: DMA_READ_WRITE, vaddr: va as u64, iova, size: len as u64 };
    if ioctl(container, IOMMU_MAP_DMA, &mut m) != 0 {
        return Err(Error::os(format!("VFIO_IOMMU_MAP_DMA va {va:#x} iova {iova:#x} len {len:#x}")));
    }
    Ok(())
}

pub(crate) fn unmap_dma(container: i32, iova: u64, len: usize) {
    let mut u = DmaUnmap { argsz: size_of::<DmaUnmap>() as u32, flags: 0, iova, size: len as u64 };
    // Failure here means the mapping is already gone (container torn down): nothing to do.
    let _ = ioctl(container, IOMMU_UNMAP_DMA, &mut u);
}

struct Shared {
    container: Option<File>,
    /// the container's IOMMU type (type1 or no-IOMMU), fixed by its first group
    noiommu: bool,
    /// group number -> (group file, devices open in it)
    groups: BTreeMap<u32, (Arc<File>, usize)>,
}

static SHARED: Mutex<Shared> = Mutex::new(Shared { container: None, noiommu: false, groups: BTreeMap::new() });

/// An open vfio device. Dropping it closes the device fd, detaches its group when no other
/// device of the group is open, and closes the container after the last device.
pub struct VfioDevice {
    /// Option only so Drop can close the device fd before detaching the group.
    file: Option<Arc<File>>,
    group: u32,
}

impl VfioDevice {
    /// Open `bdf` in IOMMU group `group`; `noiommu`: the group is a no-IOMMU one
    /// (/dev/vfio/noiommu-N, physical addresses).
    pub fn open(bdf: Bdf, group: u32, noiommu: bool) -> Result<VfioDevice> {
        // One claim per open device, released by Drop (or here on failure).
        dma::claim_mode(if noiommu { dma::IovaMode::Phys } else { dma::IovaMode::Vfio })?;
        let mut sh = SHARED.lock().unwrap();
        let r = Self::open_locked(&mut sh, bdf, group, noiommu);
        if r.is_err() {
            if sh.groups.is_empty() {
                sh.container = None;
            }
            dma::release_mode();
        }
        r
    }

    fn open_locked(sh: &mut Shared, bdf: Bdf, group: u32, noiommu: bool) -> Result<VfioDevice> {
        let first = sh.container.is_none();
        let iommu_type = if noiommu { NOIOMMU_IOMMU } else { TYPE1_IOMMU };
        if first {
            let c = OpenOptions::new()
                .read(true)
                .write(true)
                .open("/dev/vfio/vfio")
                .map_err(|e| Error::Device(format!("open /dev/vfio/vfio: {e} (modprobe vfio-pci vfio_iommu_type1)")))?;
            if ioctl(c.as_raw_fd(), GET_API_VERSION, std::ptr::null_mut::<u8>()) != API_VERSION {
                return Err(Error::Unsupported("unknown VFIO API version".into()));
            }
            if ioctl(c.as_raw_fd(), CHECK_EXTENSION, iommu_type as *mut u8) != 1 {
                return Err(Error::Unsupported(if noiommu {
                    format!("{bdf}: VFIO no-IOMMU container type not available; {}", super::no_group_fix())
                } else {
                    "VFIO type1 IOMMU not available (modprobe vfio_iommu_type1; needs an IOMMU: intel_iommu=on / amd_iommu=on)".into()
                }));
            }
            sh.container = Some(c);
            sh.noiommu = noiommu;
        } else if sh.noiommu != noiommu {
            // The IOVA mode already refuses this; keep the container consistent regardless.
            return Err(Error::Unsupported(format!(
                "{bdf}: cannot mix no-IOMMU and IOMMU vfio groups in one process: bind all NICs the same way"
            )));
        }
        let cfd = sh.container.as_ref().unwrap().as_raw_fd();
        let gfile = match sh.groups.get_mut(&group) {
            Some((f, n)) => {
                *n += 1;
                f.clone()
            }
            None => {
                let path = if noiommu { format!("/dev/vfio/noiommu-{group}") } else { format!("/dev/vfio/{group}") };
                let g = OpenOptions::new().read(true).write(true).open(&path).map_err(|e| match e.raw_os_error() {
                    Some(libc::EBUSY) => Error::DeviceBusy(format!("{path} ({bdf}) is open in another process")),
                    // vfio_main.c: no-IOMMU groups and containers need CAP_SYS_RAWIO.
                    Some(libc::EPERM) if noiommu => {
                        Error::Device(format!("open {path} for {bdf}: {e}; vfio no-IOMMU mode needs CAP_SYS_RAWIO (run as root)"))
                    }
                    _ => Error::Device(format!("open {path} for {bdf}: {e}")),
                })?;
                let mut st = GroupStatus { argsz: 8, flags: 0 };
                if ioctl(g.as_raw_fd(), GROUP_GET_STATUS, &mut st) != 0 {
                    return Err(Error::os(format!("VFIO_GROUP_GET_STATUS {path}")));
                }
                if st.flags & GROUP_FLAGS_VIABLE == 0 {
                    return Err(Error::Device(format!(
                        "IOMMU group {group} of {bdf} is not viable: bind every device in /sys/kernel/iommu_groups/{group}/devices to vfio-pci"
                    )));
                }
                let mut c = cfd;
                if ioctl(g.as_raw_fd(), GROUP_SET_CONTAINER, &mut c) != 0 {
                    return Err(Error::os(format!("VFIO_GROUP_SET_CONTAINER {path}")));
                }
                // The IOMMU type can only be set once a group is in the container. No-IOMMU has
                // no MAP_DMA: areas keep their physical addresses, nothing to attach.
                if first {
                    if ioctl(cfd, SET_IOMMU, iommu_type as *mut u8) != 0 {
                        let e = Error::os(if noiommu { "VFIO_SET_IOMMU no-IOMMU" } else { "VFIO_SET_IOMMU type1" });
                        let _ = ioctl(g.as_raw_fd(), GROUP_UNSET_CONTAINER, std::ptr::null_mut::<u8>());
                        return Err(e);
                    }
                    if !noiommu {
                        if let Err(e) = dma::attach_container(cfd) {
                            let _ = ioctl(g.as_raw_fd(), GROUP_UNSET_CONTAINER, std::ptr::null_mut::<u8>());
                            return Err(e);
                        }
                    }
                }
                let g = Arc::new(g);
                sh.groups.insert(group, (g.clone(), 1));
                g
            }
        };
        let name = CString::new(bdf.to_string()).unwrap();
        let fd = ioctl(gfile.as_raw_fd(), GROUP_GET_DEVICE_FD, name.as_ptr() as *mut u8);
        if fd < 0 {
            let e = Error::os(format!("VFIO_GROUP_GET_DEVICE_FD {bdf}"));
            drop(gfile);
            Self::put_group(sh, group);
            return Err(e);
        }
        // SAFETY: fd is a fresh descriptor returned by the kernel and owned by nobody else.
        let file = Arc::new(unsafe { File::from_raw_fd(fd) });
        let dev = VfioDevice { file: Some(file), group };
        dev.reset();
        Ok(dev)
    }

    fn put_group(sh: &mut Shared, group: u32) {
        let gone = match sh.groups.get_mut(&group) {
            Some((_, n)) => {
                *n -= 1;
                *n == 0
            }
            None => false,
        };
        if gone {
            if sh.groups.len() == 1 {
                // Last group: unmap DMA while the container still has its IOMMU.
                dma::detach_container();
            }
            let (g, _) = sh.groups.remove(&group).unwrap();
            let _ = ioctl(g.as_raw_fd(), GROUP_UNSET_CONTAINER, std::ptr::null_mut::<u8>());
        }
        if sh.groups.is_empty() {
            sh.container = None;
        }
    }

    pub fn file(&self) -> &Arc<File> {
        self.file.as_ref().unwrap()
    }

    pub fn region(&self, index: u32) -> Result<RegionInfo> {
        let mut r = RegionInfo { argsz: size_of::<RegionInfo>() as u32, index, ..Default::default() };
        if ioctl(self.file().as_raw_fd(), DEVICE_GET_REGION_INFO, &mut r) != 0 {
            return Err(Error::os(format!("VFIO_DEVICE_GET_REGION_INFO {index}")));
        }
        Ok(r)
    }

    pub fn region_mmappable(r: &RegionInfo) -> bool {
        r.flags & REGION_FLAG_MMAP != 0
    }

    /// Function-level reset when the device supports one: clears state a previous user
    /// (or crashed process) left behind. Best effort: virtio's own reset follows anyway.
    pub fn reset(&self) {
        let mut info = DeviceInfo { argsz: size_of::<DeviceInfo>() as u32, ..Default::default() };
        if ioctl(self.file().as_raw_fd(), DEVICE_GET_INFO, &mut info) == 0 && info.flags & DEVICE_FLAGS_RESET != 0 {
            let _ = ioctl(self.file().as_raw_fd(), DEVICE_RESET, std::ptr::null_mut::<u8>());
        }
    }
}

impl Drop for VfioDevice {
    fn drop(&mut self) {
        self.file = None;
        let mut sh = SHARED.lock().unwrap();
        Self::put_group(&mut sh, self.group);
        dma::release_mode();
    }
}
