//! pcap / pcapng capture file I/O for the pcap port (the equivalent of DPDK's net_pcap): replay a
//! capture file as an RX queue, record a TX queue to a file.
//!
//! Reading accepts classic pcap (micro- and nanosecond magics, either byte order) and pcapng (any
//! byte order, multiple sections); writing produces classic pcap, which every tool reads.
mod classic;
pub mod format;
mod ng;
mod ng_blocks;
mod reader;
mod writer;

pub use reader::{FileFormat, PacketInfo, PcapReader};
pub use writer::{PcapWriter, TsResolution};

#[cfg(test)]
pub(crate) mod testutil;
