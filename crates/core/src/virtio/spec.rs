//! Constants from the virtio 1.2 specification (OASIS virtio-v1.2-cs01), section named per
//! group. Values only; the behaviour lives in the transport, virtqueue and net files.
#![allow(dead_code)]

// §4.1.2 PCI Device Discovery
#[rustfmt::skip]
pub mod pci {
    pub const VENDOR:            u16 = 0x1af4;
    pub const DEV_NET_LEGACY:    u16 = 0x1000; // transitional network device
    pub const DEV_NET_MODERN:    u16 = 0x1041; // 0x1040 + device id 1 (§5.1.1)

    // §4.1.4 Virtio Structure PCI Capabilities: cfg_type
    pub const CAP_COMMON_CFG:    u8 = 1;
    pub const CAP_NOTIFY_CFG:    u8 = 2;
    pub const CAP_ISR_CFG:       u8 = 3;
    pub const CAP_DEVICE_CFG:    u8 = 4;
    pub const CAP_PCI_CFG:       u8 = 5;
    // struct virtio_pci_cap field offsets (from the capability start)
    pub const CAP_CFG_TYPE:      u64 = 3;
    pub const CAP_BAR:           u64 = 4;
    pub const CAP_OFFSET:        u64 = 8;
    pub const CAP_LENGTH:        u64 = 12;
    pub const CAP_NOTIFY_MULT:   u64 = 16; // §4.1.4.4 notify_off_multiplier

    // §4.1.4.3 Common configuration structure layout (offsets in the common cfg window)
    pub const DEVICE_FEATURE_SELECT: usize = 0x00;
    pub const DEVICE_FEATURE:        usize = 0x04;
    pub const DRIVER_FEATURE_SELECT: usize = 0x08;
    pub const DRIVER_FEATURE:        usize = 0x0c;
    pub const CONFIG_MSIX_VECTOR:    usize = 0x10;
    pub const NUM_QUEUES:            usize = 0x12;
    pub const DEVICE_STATUS:         usize = 0x14;
    pub const CONFIG_GENERATION:     usize = 0x15;
    pub const QUEUE_SELECT:          usize = 0x16;
    pub const QUEUE_SIZE:            usize = 0x18;
    pub const QUEUE_MSIX_VECTOR:     usize = 0x1a;
    pub const QUEUE_ENABLE:          usize = 0x1c;
    pub const QUEUE_NOTIFY_OFF:      usize = 0x1e;
    pub const QUEUE_DESC:            usize = 0x20;
    pub const QUEUE_DRIVER:          usize = 0x28;
    pub const QUEUE_DEVICE:          usize = 0x30;
    pub const COMMON_CFG_MIN_LEN:    usize = 0x38;
    pub const NO_VECTOR:             u16 = 0xffff; // §4.1.5.1.2: no MSI-X vector (we poll)

    // §4.1.4 "Legacy Interfaces: A Note on PCI Device Layout" (I/O BAR0 register offsets)
    pub const LEGACY_HOST_FEATURES:  usize = 0x00;
    pub const LEGACY_GUEST_FEATURES: usize = 0x04;
    pub const LEGACY_QUEUE_PFN:      usize = 0x08;
    pub const LEGACY_QUEUE_SIZE:     usize = 0x0c;
    pub const LEGACY_QUEUE_SELECT:   usize = 0x0e;
    pub const LEGACY_QUEUE_NOTIFY:   usize = 0x10;
    pub const LEGACY_STATUS:         usize = 0x12;
    pub const LEGACY_ISR:            usize = 0x13;
    pub const LEGACY_CONFIG:         usize = 0x14; // device config, MSI-X disabled
    pub const LEGACY_CONFIG_MSIX:    usize = 0x18; // device config, MSI-X enabled
    pub const LEGACY_PFN_SHIFT:      u32   = 12;
    pub const LEGACY_RING_ALIGN:     usize = 4096; // §2.7.2 legacy virtqueue layout alignment
}

// §2.1 Device Status Field
#[rustfmt::skip]
pub mod status {
    pub const RESET:              u8 = 0;
    pub const ACKNOWLEDGE:        u8 = 1;
    pub const DRIVER:             u8 = 2;
    pub const DRIVER_OK:          u8 = 4;
    pub const FEATURES_OK:        u8 = 8;
    pub const DEVICE_NEEDS_RESET: u8 = 64;
    pub const FAILED:             u8 = 128;
}

// §6 Reserved Feature Bits (device-independent) and §5.1.3 Network device feature bits
#[rustfmt::skip]
pub mod feature {
    pub const NET_CSUM:            u64 = 1 << 0;
    pub const NET_MTU:             u64 = 1 << 3;
    pub const NET_MAC:             u64 = 1 << 5;
    pub const NET_MRG_RXBUF:       u64 = 1 << 15;
    pub const NET_STATUS:          u64 = 1 << 16;
    pub const NET_CTRL_VQ:         u64 = 1 << 17;
    pub const NET_CTRL_RX:         u64 = 1 << 18;
    pub const NET_MQ:              u64 = 1 << 22;
    pub const ANY_LAYOUT:          u64 = 1 << 27; // legacy only (§2.7.4.3); implied by VERSION_1
    pub const RING_INDIRECT_DESC:  u64 = 1 << 28;
    pub const RING_EVENT_IDX:      u64 = 1 << 29;
    pub const VERSION_1:           u64 = 1 << 32;
    pub const ACCESS_PLATFORM:     u64 = 1 << 33;
    pub const RING_PACKED:         u64 = 1 << 34;
}

// §2.7.5 The Virtqueue Descriptor Table, §2.7.6 Available Ring, §2.7.8 Used Ring
#[rustfmt::skip]
pub mod ring {
    pub const DESC_F_NEXT:           u16 = 1;
    pub const DESC_F_WRITE:          u16 = 2;
    pub const DESC_SIZE:             usize = 16; // le64 addr, le32 len, le16 flags, le16 next
    pub const AVAIL_F_NO_INTERRUPT:  u16 = 1;    // §2.7.7
    pub const USED_F_NO_NOTIFY:      u16 = 1;    // §2.7.10
    pub const AVAIL_HDR:             usize = 4;  // le16 flags, le16 idx, then ring[]
    pub const USED_HDR:              usize = 4;  // le16 flags, le16 idx, then ring[]
    pub const USED_ELEM:             usize = 8;  // le32 id, le32 len
    pub const MAX_QUEUE_SIZE:        u16 = 32768; // §2.7: queue size is a power of 2 <= 32768
}

// §5.1.4 Device configuration layout (network)
#[rustfmt::skip]
pub mod netcfg {
    pub const MAC:                 usize = 0;
    pub const STATUS:              usize = 6;
    pub const MAX_VQ_PAIRS:        usize = 8;
    pub const S_LINK_UP:           u16 = 1;
}

// §5.1.6 Device Operation: struct virtio_net_hdr; §5.1.6.5 Control Virtqueue
#[rustfmt::skip]
pub mod net {
    pub const HDR_LEN_V1:          usize = 12; // with num_buffers, always present for VERSION_1
    pub const HDR_LEN_LEGACY:      usize = 10; // legacy without MRG_RXBUF
    pub const CTRL_RX:             u8 = 0;     // §5.1.6.5.1 Packet Receive Filtering
    pub const CTRL_RX_PROMISC:     u8 = 0;
    pub const CTRL_MQ:             u8 = 4;     // §5.1.6.5.5 Automatic receive steering in multiqueue mode
    pub const CTRL_MQ_VQ_PAIRS_SET: u8 = 0;
    pub const CTRL_OK:             u8 = 0;
    pub const CTRL_ERR:            u8 = 1;
    pub const VQ_PAIRS_MIN:        u16 = 1;
    pub const VQ_PAIRS_MAX:        u16 = 0x8000;
}
