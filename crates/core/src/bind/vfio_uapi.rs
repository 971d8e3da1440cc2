//! The vfio uAPI numbers bind/vfio.rs uses, from <linux/vfio.h> (ioctl numbers, flags, region
//! indices), in one table so each can be checked against the header line by line.
#![cfg_attr(rustfmt, rustfmt::skip)]

// _IO(';', 100 + n) from <linux/vfio.h>
pub const VFIO_TYPE: u64 = b';' as u64;
pub const fn io(nr: u64) -> u64 {
    (VFIO_TYPE << 8) | (100 + nr)
}
pub const GET_API_VERSION: u64 = io(0);
pub const CHECK_EXTENSION: u64 = io(1);
pub const SET_IOMMU: u64 = io(2);
pub const GROUP_GET_STATUS: u64 = io(3);
pub const GROUP_SET_CONTAINER: u64 = io(4);
pub const GROUP_UNSET_CONTAINER: u64 = io(5);
pub const GROUP_GET_DEVICE_FD: u64 = io(6);
pub const DEVICE_GET_INFO: u64 = io(7);
pub const DEVICE_GET_REGION_INFO: u64 = io(8);
pub const DEVICE_RESET: u64 = io(11);
pub const IOMMU_MAP_DMA: u64 = io(13);
pub const IOMMU_UNMAP_DMA: u64 = io(14);
pub const API_VERSION: i32 = 0;
pub const TYPE1_IOMMU: u64 = 1;
/// VFIO_NOIOMMU_IOMMU in <linux/vfio.h>: the only IOMMU type a no-IOMMU group accepts.
pub const NOIOMMU_IOMMU: u64 = 8;
pub const GROUP_FLAGS_VIABLE: u32 = 1;
pub const DEVICE_FLAGS_RESET: u32 = 1;
pub const REGION_FLAG_MMAP: u32 = 4;
pub const CONFIG_REGION_INDEX: u32 = 7;
/// VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE
pub const DMA_READ_WRITE: u32 = 1 | 2;

// Interrupts (<linux/vfio.h> "VFIO_DEVICE_GET_IRQ_INFO", "VFIO_DEVICE_SET_IRQS")
pub const DEVICE_GET_IRQ_INFO: u64 = io(9);
pub const DEVICE_SET_IRQS: u64 = io(10);
pub const IRQ_SET_DATA_NONE: u32 = 1 << 0;
pub const IRQ_SET_DATA_EVENTFD: u32 = 1 << 2;
pub const IRQ_SET_ACTION_TRIGGER: u32 = 1 << 5;
/// enum { VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX, ... }
pub const PCI_MSIX_IRQ_INDEX: u32 = 2;
