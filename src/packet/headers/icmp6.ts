// ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861 §4): RS 133, RA 134, NS 135, NA 136,
// Redirect 137, and the ND options (§4.6: type(1) length(1, in 8-byte units) ...). The checksum
// covers the IPv6 pseudo-header (checksum.ts l4Checksum with proto 58).
import { type Frame, get8, get16, get32, get48, set8, set16, fits } from '../frame.js';

export const HLEN = 4;
export const DEST_UNREACH = 1, PACKET_TOO_BIG = 2, TIME_EXCEEDED = 3, ECHO_REQUEST = 128, ECHO_REPLY = 129;
export const RS = 133, RA = 134, NS = 135, NA = 136, REDIRECT = 137;
export const OPT_SLLA = 1, OPT_TLLA = 2, OPT_PREFIX = 3, OPT_REDIRECTED = 4, OPT_MTU = 5;

export const type = (f: Frame, off: number): number => get8(f, off);
export const code = (f: Frame, off: number): number => get8(f, off + 1);
export const checksum = (f: Frame, off: number): number => get16(f, off + 2);
export const setType = (f: Frame, off: number, v: number): boolean => set8(f, off, v);
export const setChecksum = (f: Frame, off: number, v: number): boolean => set16(f, off + 2, v);
// echo
export const echoId = (f: Frame, off: number): number => get16(f, off + 4);
export const echoSeq = (f: Frame, off: number): number => get16(f, off + 6);

// NS/NA: target address at +8 (16 bytes). NA flags: R(0x80) S(0x40) O(0x20) in byte +4.
export const TARGET_AT = 8;
export const naFlags = (f: Frame, off: number): number => get8(f, off + 4);
/** 32-bit word i of the NS/NA target address. */
export const targetWord = (f: Frame, off: number, i: number): number => get32(f, off + 8 + 4 * i);
// RA (§4.2): cur hop limit(+4) flags M/O(+5) router lifetime(+6) reachable time(+8) retrans timer(+12)
export const raHopLimit = (f: Frame, off: number): number => get8(f, off + 4);
export const raFlags = (f: Frame, off: number): number => get8(f, off + 5);
export const raLifetime = (f: Frame, off: number): number => get16(f, off + 6);
export const raReachable = (f: Frame, off: number): number => get32(f, off + 8);
export const raRetrans = (f: Frame, off: number): number => get32(f, off + 12);

/** Where the options of ND message `t` begin, relative to the ICMPv6 header (-1: not ND). */
export function ndOptionsAt(t: number): number {
  switch (t) {
    case RS: return 8;
    case RA: return 16;
    case NS: case NA: return 24;
    case REDIRECT: return 40;
    default: return -1;
  }
}

/**
 * Walks the ND options of the message at off whose ICMPv6 length (header + body) is len: returns
 * the offset of the option after `at` (at = -1: the first), or -1 at the end. An option of length
 * 0 or one running past the message ends the walk (RFC 4861 §4.6: such a packet is discarded),
 * and ndOptionsValid() tells the two apart.
 */
export function nextOption(f: Frame, off: number, len: number, at: number): number {
  const first = ndOptionsAt(get8(f, off));
  if (first < 0) return -1;
  const end = Math.min(off + len, f.end);
  const o = at < 0 ? off + first : at + (f.u8[at + 1]! << 3);
  if (o + 2 > end) return -1;
  const l = f.u8[o + 1]! << 3;
  return l > 0 && o + l <= end ? o : -1;
}

/** True if the ND options of the message fill its body exactly with well-formed options. */
export function ndOptionsValid(f: Frame, off: number, len: number): boolean {
  const first = ndOptionsAt(get8(f, off));
  if (first < 0 || !fits(f, off, len) || len < first) return false;
  let o = off + first;
  const end = off + len;
  while (o < end) {
    if (o + 2 > end) return false;
    const l = f.u8[o + 1]! << 3;
    if (l === 0 || o + l > end) return false;
    o += l;
  }
  return true;
}
export const optionType = (f: Frame, o: number): number => get8(f, o);
/** Option length in bytes. */
export const optionLength = (f: Frame, o: number): number => { const l = get8(f, o + 1); return l < 0 ? -1 : l << 3; };
/** The link-layer address of a source/target LLA option (Ethernet: 6 bytes), as a number. */
export const optionLla = (f: Frame, o: number): number => get48(f, o + 2);
/** MTU option value. */
export const optionMtu = (f: Frame, o: number): number => get32(f, o + 4);
// Prefix information (§4.6.2): prefix length(+2) flags L/A(+3) valid(+4) preferred(+8) prefix(+16)
export const prefixLength = (f: Frame, o: number): number => get8(f, o + 2);
export const prefixFlags = (f: Frame, o: number): number => get8(f, o + 3);
export const prefixValid = (f: Frame, o: number): number => get32(f, o + 4);
export const prefixPreferred = (f: Frame, o: number): number => get32(f, o + 8);
