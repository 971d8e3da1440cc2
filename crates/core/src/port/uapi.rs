//! Linux uAPI numbers the kernel-interface ports use (af_packet, tap, af_xdp), copied from the
//! kernel's include/uapi headers named in each section, plus the struct offsets we read in
//! shared rings. Numbers only; the code that uses them cites the behaviour it relies on.
#![cfg_attr(rustfmt, rustfmt::skip)]

// ---- linux/if_ether.h ----
pub const ETH_P_ALL: u16               = 0x0003;
pub const ETH_HLEN: usize              = 14;
/// an 802.1Q tag on top of the MTU: what a frame of `mtu` bytes of payload may carry on the wire
pub const VLAN_HLEN: usize             = 4;

// ---- linux/if_packet.h ----
pub const SOL_PACKET: i32              = 263;
pub const PACKET_ADD_MEMBERSHIP: i32   = 1;
pub const PACKET_RX_RING: i32          = 5;
pub const PACKET_STATISTICS: i32       = 6;
pub const PACKET_VERSION: i32          = 10;
pub const PACKET_TX_RING: i32          = 13;
pub const PACKET_LOSS: i32             = 14;
pub const PACKET_FANOUT: i32           = 18;
pub const PACKET_QDISC_BYPASS: i32     = 20;
pub const PACKET_IGNORE_OUTGOING: i32  = 23;
pub const PACKET_MR_PROMISC: u16       = 1;
pub const PACKET_OUTGOING: u8          = 4;   // sockaddr_ll.sll_pkttype
pub const TPACKET_V2: i32              = 1;
pub const TPACKET_V3: i32              = 2;
pub const PACKET_FANOUT_HASH: u32      = 0;
pub const PACKET_FANOUT_FLAG_DEFRAG: u32 = 0x8000;
// tp_status / block_status
pub const TP_STATUS_KERNEL: u32        = 0;
pub const TP_STATUS_USER: u32          = 1;
pub const TP_STATUS_AVAILABLE: u32     = 0;
pub const TP_STATUS_SEND_REQUEST: u32  = 1;
pub const TP_STATUS_SENDING: u32       = 2;
pub const TP_STATUS_WRONG_FORMAT: u32  = 4;
// struct tpacket_block_desc (TPACKET_V3 RX block header): version, offset_to_priv, then tpacket_hdr_v1
pub const BLK_STATUS: usize            = 8;
pub const BLK_NUM_PKTS: usize          = 12;
pub const BLK_OFF_FIRST: usize         = 16;
// struct tpacket3_hdr (48 bytes), then struct sockaddr_ll at TPACKET_ALIGN(48) = 48
pub const T3_NEXT_OFFSET: usize        = 0;
pub const T3_SNAPLEN: usize            = 12;
pub const T3_LEN: usize                = 16;
pub const T3_MAC: usize                = 24;
pub const T3_SLL_PKTTYPE: usize        = 48 + 10;
// struct tpacket2_hdr (32 bytes); TX data goes at tp_hdrlen - sizeof(sockaddr_ll) = 32
pub const T2_STATUS: usize             = 0;
pub const T2_LEN: usize                = 4;
pub const T2_TX_DATA: usize            = 32;
pub const TPACKET_ALIGNMENT: usize     = 16;

// ---- linux/if_tun.h ----
pub const TUNSETIFF: u64               = 0x4004_54ca; // _IOW('T', 202, int)
pub const IFF_TAP: u16                 = 0x0002;
pub const IFF_NO_PI: u16               = 0x1000;
pub const IFF_MULTI_QUEUE: u16         = 0x0100;
pub const IFF_TUN_EXCL: u16            = 0x8000;

// ---- linux/sockios.h, linux/if.h (struct ifreq: name[16] then a 24-byte union at 16) ----
pub const SIOCGIFFLAGS: u64            = 0x8913;
pub const SIOCSIFFLAGS: u64            = 0x8914;
pub const SIOCGIFMTU: u64              = 0x8921;
pub const SIOCGIFHWADDR: u64           = 0x8927;
pub const SIOCETHTOOL: u64             = 0x8946;
pub const ETHTOOL_GDRVINFO: u32        = 0x3;     // linux/ethtool.h
pub const IFF_UP: u16                  = 0x1;
pub const IFF_RUNNING: u16             = 0x40;
pub const IFNAMSIZ: usize              = 16;

// ---- linux/if_xdp.h ----
pub const AF_XDP: i32                  = 44;
pub const SOL_XDP: i32                 = 283;
pub const XDP_MMAP_OFFSETS: i32        = 1;
pub const XDP_RX_RING: i32             = 2;
pub const XDP_TX_RING: i32             = 3;
pub const XDP_UMEM_REG: i32            = 4;
pub const XDP_UMEM_FILL_RING: i32      = 5;
pub const XDP_UMEM_COMPLETION_RING: i32 = 6;
pub const XDP_STATISTICS: i32          = 7;
pub const XDP_OPTIONS: i32             = 8;
pub const XDP_SHARED_UMEM: u16         = 1 << 0;   // sockaddr_xdp.sxdp_flags
pub const XDP_COPY: u16                = 1 << 1;
pub const XDP_ZEROCOPY: u16            = 1 << 2;
pub const XDP_USE_NEED_WAKEUP: u16     = 1 << 3;
pub const XDP_UMEM_UNALIGNED_CHUNK_FLAG: u32 = 1 << 0;
pub const XDP_RING_NEED_WAKEUP: u32    = 1 << 0;
pub const XDP_OPTIONS_ZEROCOPY: u32    = 1 << 0;
pub const XDP_PGOFF_RX_RING: i64       = 0;
pub const XDP_PGOFF_TX_RING: i64       = 0x8000_0000;
pub const XDP_UMEM_PGOFF_FILL_RING: i64 = 0x1_0000_0000;
pub const XDP_UMEM_PGOFF_COMPLETION_RING: i64 = 0x1_8000_0000;
pub const XSK_UNALIGNED_BUF_OFFSET_SHIFT: u32 = 48;
pub const XSK_UNALIGNED_BUF_ADDR_MASK: u64 = (1 << 48) - 1;
pub const XDP_UMEM_MIN_CHUNK_SIZE: usize = 2048;
// include/net/xdp.h: the headroom the kernel keeps in front of every XDP frame
pub const XDP_PACKET_HEADROOM: usize   = 256;
// linux/socket.h / asm-generic/socket.h: busy polling
pub const SO_BUSY_POLL: i32            = 46;
pub const SO_PREFER_BUSY_POLL: i32     = 69;
pub const SO_BUSY_POLL_BUDGET: i32     = 70;

// ---- linux/bpf.h ----
pub const BPF_MAP_TYPE_XSKMAP: u32     = 17;
pub const BPF_PROG_TYPE_XDP: u32       = 6;
pub const BPF_XDP: u32                 = 37;       // enum bpf_attach_type
pub const BPF_FUNC_REDIRECT_MAP: i32   = 51;
pub const BPF_PSEUDO_MAP_FD: u8        = 1;
pub const XDP_PASS: i32                = 2;
// linux/if_link.h: XDP attach flags
pub const XDP_FLAGS_SKB_MODE: u32      = 1 << 1;
pub const XDP_FLAGS_DRV_MODE: u32      = 1 << 2;
// instruction classes/modes (linux/bpf_common.h, linux/bpf.h)
pub const BPF_LDX_MEM_W: u8            = 0x61;     // BPF_LDX | BPF_MEM | BPF_W
pub const BPF_LD_IMM_DW: u8            = 0x18;     // BPF_LD | BPF_IMM | BPF_DW
pub const BPF_ALU64_MOV_K: u8          = 0xb7;     // BPF_ALU64 | BPF_MOV | BPF_K
pub const BPF_JMP_CALL: u8             = 0x85;     // BPF_JMP | BPF_CALL
pub const BPF_JMP_EXIT: u8             = 0x95;     // BPF_JMP | BPF_EXIT
// struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index
pub const XDP_MD_RX_QUEUE_INDEX: i16   = 16;
