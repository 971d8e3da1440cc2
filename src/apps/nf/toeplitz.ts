// The Toeplitz hash of NIC receive-side scaling (Microsoft, "RSS hashing functions"; the same
// function Intel, Mellanox and virtio-net (virtio 1.2 §5.1.6.4.3.1) compute): for every set bit
// of the input, XOR in the 32-bit window of the key that starts at that bit. The input is the
// fields in network order: source address, destination address, then (with ports) source port
// and destination port.
//
// Speed (the trade-off): a per-byte table, t[i][v] = the XOR of the windows byte v at input
// position i selects, makes the hash one load and one XOR per input byte (12 for IPv4 with
// ports), for 256 * 4 bytes of table per input byte (36 KiB for IPv6 with ports). rte_thash's
// scalar rte_softrss does the bit loop instead (32 steps per input word), which needs no table.

/** Microsoft's default 40-byte RSS key (the one its verification vectors use; also the default
 *  of many NIC drivers). */
export const MS_RSS_KEY = Uint8Array.from([
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
]);

/** Longest input the hash takes: IPv6 addresses and ports (16 + 16 + 2 + 2). */
export const MAX_INPUT = 36;

export class Toeplitz {
  /** t[i * 256 + v]: contribution of byte value v at input position i (unsigned 32-bit). */
  private readonly t: Int32Array;
  readonly maxInput: number;

  constructor(key: Uint8Array = MS_RSS_KEY) {
    const maxInput = key.length - 4;
    if (maxInput < 12) throw new RangeError(`RSS key of ${key.length} bytes; at least 16 (40 hashes IPv6 with ports)`);
    this.maxInput = Math.min(maxInput, MAX_INPUT);
    this.t = new Int32Array(this.maxInput * 256);
    for (let i = 0; i < this.maxInput; i++) {
      for (let bit = 0; bit < 8; bit++) {
        // The 32-bit key window starting at input bit i*8+bit.
        const s = i * 8 + bit;
        let w = 0;
        for (let k = 0; k < 32; k++) {
          const kb = s + k;
          w = (w << 1) | ((key[kb >> 3]! >> (7 - (kb & 7))) & 1);
        }
        for (let v = 0; v < 256; v++) if (v & (0x80 >> bit)) this.t[i * 256 + v]! ^= w;
      }
    }
  }

  /** Hash of u8[off .. off+len) (len <= maxInput), as an unsigned 32-bit number. */
  hash(u8: Uint8Array, off: number, len: number): number {
    const t = this.t;
    let h = 0;
    for (let i = 0; i < len; i++) h ^= t[(i << 8) | u8[off + i]!]!;
    return h >>> 0;
  }

  /** IPv4 2-tuple or 4-tuple straight from a packet: addresses at u8[ip+12 .. ip+20) (src, dst
   *  as in the IPv4 header), ports at u8[l4 .. l4+4) when l4 >= 0. */
  hashIPv4(u8: Uint8Array, ip: number, l4: number): number {
    const t = this.t;
    let h = 0;
    for (let i = 0; i < 8; i++) h ^= t[(i << 8) | u8[ip + 12 + i]!]!;
    if (l4 >= 0) for (let i = 0; i < 4; i++) h ^= t[((8 + i) << 8) | u8[l4 + i]!]!;
    return h >>> 0;
  }

  /** IPv6: addresses at u8[ip+8 .. ip+40), ports at u8[l4 ..] when l4 >= 0. */
  hashIPv6(u8: Uint8Array, ip: number, l4: number): number {
    const t = this.t;
    let h = 0;
    for (let i = 0; i < 32; i++) h ^= t[(i << 8) | u8[ip + 8 + i]!]!;
    if (l4 >= 0) for (let i = 0; i < 4; i++) h ^= t[((32 + i) << 8) | u8[l4 + i]!]!;
    return h >>> 0;
  }
}
