// Protocol numbers (IANA registries) and the parser's result codes and packet-type bits.

// EtherTypes (IEEE 802 numbers registry)
export const ETH_IPV4 = 0x0800, ETH_ARP = 0x0806, ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8, ETH_IPV6 = 0x86dd;
/** Pre-standard QinQ outer TPIDs still seen on the wire (Linux accepts 0x9100 as 802.1ad too). */
export const ETH_QINQ_9100 = 0x9100;
// IP protocol numbers
export const IP_HOPOPTS = 0, IP_ICMP = 1, IP_TCP = 6, IP_UDP = 17, IP_ROUTING = 43, IP_FRAGMENT = 44;
export const IP_ICMPV6 = 58, IP_NONE = 59, IP_DSTOPTS = 60;
/** IANA UDP port for VXLAN (RFC 7348 §5). */
export const VXLAN_PORT = 4789;

/** Parse result codes: OK or the first problem found (the parse stops at that layer). */
export const Result = {
  /** every header present is complete and its length fields agree with the data */
  OK: 0,
  /** the fixed part of a header runs past the end of the data (parse.ts explains vs BAD_LENGTH) */
  TRUNCATED: 1,
  /** IP version nibble is not the one the EtherType announced */
  BAD_VERSION: 2,
  /** IPv4 IHL < 5 */
  BAD_IHL: 3,
  /** a length field lies: IPv4 IHL or total length past the data (or total length < IHL), IPv6
   *  payload or extension length past the data, UDP length < 8 or past the IP payload, TCP data
   *  offset < 5 or past the IP payload, ARP hlen/plen past the data */
  BAD_LENGTH: 4,
  /** more IPv6 extension headers (or VLAN tags) than the parser walks (MAX_EXT, 2 tags) */
  TOO_DEEP: 5,
} as const;
export type ResultCode = (typeof Result)[keyof typeof Result];
export const RESULT_NAMES = ['OK', 'TRUNCATED', 'BAD_VERSION', 'BAD_IHL', 'BAD_LENGTH', 'TOO_DEEP'] as const;

/** How many IPv6 extension headers parse() walks before it gives up with TOO_DEEP. */
export const MAX_EXT = 8;

/** L3 kinds in Parsed.l3Kind. */
export const L3 = { NONE: 0, IPV4: 4, IPV6: 6, ARP: 1 } as const;

/**
 * Packet type bits (stored in the buffer metadata word META_FLAGS by setPacketType; 0 = unknown,
 * what ports that do not classify leave). The shape follows DPDK's RTE_PTYPE_*: one field per layer.
 */
export const PType = {
  L2_ETHER: 0x1,
  L2_VLAN: 0x2, // one tag
  L2_QINQ: 0x4, // two tags
  L2_ARP: 0x8,
  L3_IPV4: 0x10,
  L3_IPV4_OPT: 0x20, // IHL > 5
  L3_IPV6: 0x40,
  L3_IPV6_EXT: 0x80, // at least one extension header
  L4_UDP: 0x100,
  L4_TCP: 0x200,
  L4_ICMP: 0x400, // ICMPv4 or ICMPv6
  L4_FRAG: 0x800, // an IP fragment (no L4 header parsed)
  TUNNEL_VXLAN: 0x1000,
  /** set when parse() returned anything but OK */
  ERROR: 0x8000,
} as const;
