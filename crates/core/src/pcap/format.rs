//! Constant tables for the two capture file formats we read and write.
//!
//! Classic pcap: draft-ietf-opsawg-pcap, Section 4 (File Header) and Section 5 (Packet Record).
//! pcapng: draft-ietf-opsawg-pcapng, Section 3.1 (General Block Structure), Section 3.5 (Options)
//! and Section 4 (Block Definition). Link types: the tcpdump.org LINKTYPE_ registry, which both
//! drafts defer to.

/// Byte length of the classic pcap file header (draft-ietf-opsawg-pcap Section 4).
pub const PCAP_FILE_HEADER_LEN: usize = 24;
/// Byte length of the classic pcap per-packet record header (draft-ietf-opsawg-pcap Section 5).
pub const PCAP_RECORD_HEADER_LEN: usize = 16;

// Magic numbers as they read when interpreted in the *file's* byte order. Reading the first four bytes
// little-endian and comparing against these (and their byte swaps) tells us both the resolution and
// the byte order (draft-ietf-opsawg-pcap Section 4, "Magic Number").
#[rustfmt::skip]
pub mod magic {
    /// Classic pcap, timestamps in seconds + microseconds.
    pub const PCAP_MICRO: u32 = 0xa1b2_c3d4;
    /// Classic pcap, timestamps in seconds + nanoseconds.
    pub const PCAP_NANO:  u32 = 0xa1b2_3c4d;
    /// pcapng Section Header Block type; a palindrome, so it reads the same in either byte order.
    pub const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
    /// pcapng Byte-Order Magic inside the SHB (draft-ietf-opsawg-pcapng Section 4.1).
    pub const PCAPNG_BOM: u32 = 0x1a2b_3c4d;
}

/// Classic pcap version we write; readers accept any 2.x (draft-ietf-opsawg-pcap Section 4).
pub const PCAP_VERSION_MAJOR: u16 = 2;
pub const PCAP_VERSION_MINOR: u16 = 4;
/// pcapng major version we understand; a different major version means an incompatible layout
/// (draft-ietf-opsawg-pcapng Section 4.1, "Major Version").
pub const PCAPNG_VERSION_MAJOR: u16 = 1;

#[rustfmt::skip]
pub mod linktype {
    /// LINKTYPE_ETHERNET: the only link type the pcap port accepts (frames go straight onto a ring).
    pub const ETHERNET: u32 = 1;
    /// The classic header's LinkType field carries FCS flags in its upper bits
    /// (draft-ietf-opsawg-pcap Section 4, "LinkType and additional information"); the type is the low 16.
    pub const PCAP_MASK: u32 = 0x0000_ffff;
}

// pcapng block types (draft-ietf-opsawg-pcapng Section 3.2 / Section 4). We parse SHB, IDB, EPB and SPB;
// every other block (NRB, ISB, DSB, custom, obsolete Packet Block, ...) is skipped by its length.
#[rustfmt::skip]
pub mod block {
    pub const SHB:          u32 = 0x0a0d_0d0a; // Section Header Block, 4.1
    pub const IDB:          u32 = 0x0000_0001; // Interface Description Block, 4.2
    pub const OBSOLETE_PB:  u32 = 0x0000_0002; // Packet Block (obsolete), Appendix A; skipped
    pub const SPB:          u32 = 0x0000_0003; // Simple Packet Block, 4.4
    pub const NRB:          u32 = 0x0000_0004; // Name Resolution Block, 4.5; skipped
    pub const ISB:          u32 = 0x0000_0005; // Interface Statistics Block, 4.6; skipped
    pub const EPB:          u32 = 0x0000_0006; // Enhanced Packet Block, 4.3
    pub const DSB:          u32 = 0x0000_000a; // Decryption Secrets Block, 4.7; skipped
    pub const CUSTOM_COPY:  u32 = 0x0000_0bad; // Custom Block, 4.8; skipped
    pub const CUSTOM:       u32 = 0x4000_0bad; // Custom Block (do not copy), 4.8; skipped
}

// Fixed lengths inside pcapng blocks (draft-ietf-opsawg-pcapng Section 3.1 and Section 4).
#[rustfmt::skip]
pub mod ng_len {
    /// Block Type + Block Total Length + trailing Block Total Length.
    pub const BLOCK_OVERHEAD: usize = 12;
    /// Smallest legal SHB: overhead + BOM(4) + versions(4) + Section Length(8).
    pub const SHB_MIN:        usize = 28;
    /// Smallest legal IDB: overhead + LinkType(2) + Reserved(2) + SnapLen(4).
    pub const IDB_MIN:        usize = 20;
    /// Smallest legal EPB: overhead + Interface ID, Timestamp (2x4), Captured and Original Length.
    pub const EPB_MIN:        usize = 32;
    /// Smallest legal SPB: overhead + Original Packet Length(4).
    pub const SPB_MIN:        usize = 16;
}

// Option codes (draft-ietf-opsawg-pcapng Section 3.5 and Section 4.2). Options are
// code(u16) + length(u16) + value padded to 32 bits.
#[rustfmt::skip]
pub mod opt {
    pub const END_OF_OPT:  u16 = 0;
    /// if_tsresol (1 byte): MSB clear -> 10^-n seconds, MSB set -> 2^-n seconds; default 10^-6.
    pub const IF_TSRESOL:  u16 = 9;
    /// if_tsoffset (8 bytes, signed seconds): added to every timestamp of the interface.
    pub const IF_TSOFFSET: u16 = 14;
}

/// Default if_tsresol when the option is absent: microseconds (draft-ietf-opsawg-pcapng Section 4.2).
pub const DEFAULT_TSRESOL: u8 = 6;

/// Largest captured length we accept. Real frames (even jumbo/TSO captures) fit; anything bigger is a
/// corrupt length field, and trusting it would make us allocate whatever the file claims.
pub const MAX_CAPLEN: usize = 256 * 1024;
/// Largest pcapng block we read into memory (a packet of MAX_CAPLEN plus generous room for options).
/// Blocks we skip are streamed past and have no limit.
pub const MAX_PARSED_BLOCK: usize = MAX_CAPLEN + 64 * 1024;
/// Writer default snaplen, what tcpdump and DPDK's net_pcap use.
pub const DEFAULT_SNAPLEN: u32 = 65535;

/// Round up to the 32-bit boundary pcapng pads every field and block to (Section 3.1).
pub const fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}
