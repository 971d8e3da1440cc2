// Ringway packet library: headers, checksums, buffer operations and builders over pool buffers.
//
// The hot path, in a worker (allocates nothing, never throws, reads nothing outside the packet):
//
//   import { Parsed, Result, ipv4, udp, checksum, L3 } from 'ringway';   // or src/packet/index.js
//   const p = new Parsed();                        // one per worker, reused for every packet
//   for (let i = 0; i < n; i++) {
//     const h = handles[i]!;
//     if (p.parse(pool, h) !== Result.OK) continue; // = parseBuffer(pool, h, p); a result code
//     if (p.l3Kind !== L3.IPV4) continue;
//     if (ipv4.decrementTtl(p, p.l3) < 0) continue; // TTL 0: drop; checksum patched (RFC 1624)
//     if (p.ipProto === 17) udp.setChecksum(p, p.l4,
//       checksum.l4Checksum(p, 4, p.l3, 17, p.l4, p.l4Length, checksum.CSUM_AT_UDP));
//   }
//
// Pieces:
// - Frame (frame.ts): a window [start, end) on bytes: `attach(pool, h)` (the pool mapping, no
//   subarray) or `wrap(uint8array, off, len)`. Parsed extends it. get8/16/32/48 and set* check
//   against the window: a load outside returns -1, a store outside returns false.
// - parse (parse.ts): fills Parsed with numbers (l2/l3/l4/payload offsets, ethertype, 2 VLAN tags,
//   L3 kind, IP protocol, IPv6 extension headers, fragment fields, ports, TCP flags, ICMP
//   type/code, VXLAN VNI and inner frame) and returns Result.OK / TRUNCATED / BAD_VERSION /
//   BAD_IHL / BAD_LENGTH / TOO_DEEP (constants.ts). Offsets are absolute in p.u8 / p.dv.
// - Header accessors, one module per header, all (frame, offset[, value]): ether, vlan, arp,
//   ipv4 (options walk, decrementTtl, updateSrc/Dst), ipv6 (extension headers, options walk),
//   icmp4, icmp6 (Neighbor Discovery messages and options), udp, tcp (options: MSS, WS, TS), vxlan.
// - checksum (checksum.ts): rawSum/sum (fast ones'-complement sum), IPv4 header checksum,
//   l4Checksum (UDP/TCP/ICMPv6 over IPv4 or IPv6 pseudo-headers), incremental16/32 (RFC 1624);
//   recomputeIpv4Checksums (checksum-fast.ts): both checksums of a plain IPv4 UDP/TCP frame in a
//   pool buffer at fixed offsets, no parser (0 for any other frame: parse it instead).
// - buffer (buffer.ts): prepend/adj/append/trim/move in the headroom and tailroom, copyInto and
//   clone, and metadata: port, queue, hash, packetType (PType bits, constants.ts).
// - build (build.ts): FrameSpec (plain data) -> bytes in a Uint8Array or a pool buffer, with
//   correct lengths and checksums (and optional lying overrides); nd.ns/na/rs/ra for ND messages.
// docs/packets.md has the full contract.
export { Frame, get8, get16, get32, get48, set8, set16, set32, set48, fits, copyIn, copyOut } from './frame.js';
export { Parsed, parse, parseBuffer, parseBytes, parseInner, EXT_DSTOPTS, EXT_FRAGMENT, EXT_HOPOPTS, EXT_ROUTING } from './parse.js';
export * from './constants.js';
export * as checksum from './checksum.js';
export { recomputeIpv4Checksums } from './checksum-fast.js';
export * as buffer from './buffer.js';
export * as ether from './headers/ether.js';
export * as vlan from './headers/vlan.js';
export * as arp from './headers/arp.js';
export * as ipv4 from './headers/ipv4.js';
export * as ipv6 from './headers/ipv6.js';
export * as icmp4 from './headers/icmp4.js';
export * as icmp6 from './headers/icmp6.js';
export * as udp from './headers/udp.js';
export * as tcp from './headers/tcp.js';
export * as vxlan from './headers/vxlan.js';
export { build, buildFrame, buildInto, nd, parseMac, formatMac } from './build.js';
export type { FrameSpec, EthSpec, VlanSpec, ArpSpec, Ipv4Spec, Ipv6Spec, Ipv6ExtSpec, UdpSpec, TcpSpec, IcmpSpec, VxlanSpec } from './build.js';
