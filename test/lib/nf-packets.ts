// Frame builders and a libpcap writer for the network-function tests and benches. Checksums are
// computed from scratch here (never with the code under test), so a test that compares them with
// tshark's verdict checks the apps' incremental updates against an independent reference.
import { writeFileSync } from 'node:fs';

export function mac(s: string): number[] {
  return s.split(':').map((x) => parseInt(x, 16));
}

export function ip4(s: string): number[] {
  return s.split('.').map(Number);
}

export function ip6(s: string): number[] {
  const [h, t] = s.split('::') as [string, string | undefined];
  const a = h ? h.split(':') : [];
  const b = t !== undefined && t !== '' ? t.split(':') : [];
  const words = t === undefined ? a : [...a, ...new Array(8 - a.length - b.length).fill('0'), ...b];
  return words.flatMap((w) => { const v = parseInt(w, 16); return [v >> 8, v & 255]; });
}

function csum(bytes: ArrayLike<number>, init = 0): number {
  let s = init;
  for (let i = 0; i < bytes.length; i += 2) s += (bytes[i]! << 8) | (bytes[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

const be16 = (v: number) => [v >> 8, v & 255];

export interface L4 { proto: number; sport?: number; dport?: number; payload?: number[]; icmpType?: number; icmpId?: number }

/** Ethernet + IPv4 + UDP/TCP/ICMP frame with valid checksums, padded to 60 bytes. */
export function ipv4(dmac: string, smac: string, src: string, dst: string, l4: L4, ttl = 64, id = 1): Uint8Array {
  const pay = l4.payload ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  let seg: number[];
  if (l4.proto === 17) seg = [...be16(l4.sport ?? 1000), ...be16(l4.dport ?? 2000), ...be16(8 + pay.length), 0, 0, ...pay];
  else if (l4.proto === 6) seg = [...be16(l4.sport ?? 1000), ...be16(l4.dport ?? 80), 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0, ...pay];
  else seg = [l4.icmpType ?? 8, 0, 0, 0, ...be16(l4.icmpId ?? 7), 0, 1, ...pay];
  const s = ip4(src), d = ip4(dst);
  if (l4.proto === 17 || l4.proto === 6) {
    const ph = [...s, ...d, 0, l4.proto, ...be16(seg.length)];
    const c = csum([...ph, ...seg]);
    const at = l4.proto === 17 ? 6 : 16;
    seg[at] = c >> 8; seg[at + 1] = c & 255;
    if (l4.proto === 17 && c === 0) { seg[at] = 0xff; seg[at + 1] = 0xff; }
  } else {
    const c = csum(seg);
    seg[2] = c >> 8; seg[3] = c & 255;
  }
  const ih = [0x45, 0, ...be16(20 + seg.length), ...be16(id), 0, 0, ttl, l4.proto, 0, 0, ...s, ...d];
  const hc = csum(ih);
  ih[10] = hc >> 8; ih[11] = hc & 255;
  return frame([...mac(dmac), ...mac(smac), 0x08, 0x00, ...ih, ...seg]);
}

/** Ethernet + IPv6 + UDP (or ICMPv6 given as l4.proto 58 with icmpType) frame. */
export function ipv6(dmac: string, smac: string, src: string, dst: string, l4: L4, hops = 64): Uint8Array {
  const pay = l4.payload ?? [1, 2, 3, 4, 5, 6, 7, 8];
  const s = ip6(src), d = ip6(dst);
  let seg: number[];
  if (l4.proto === 17) seg = [...be16(l4.sport ?? 1000), ...be16(l4.dport ?? 2000), ...be16(8 + pay.length), 0, 0, ...pay];
  else seg = [l4.icmpType ?? 128, 0, 0, 0, ...be16(l4.icmpId ?? 7), 0, 1, ...pay];
  const ph = [...s, ...d, 0, 0, ...be16(seg.length), 0, 0, 0, l4.proto];
  const c = csum([...ph, ...seg]);
  const at = l4.proto === 17 ? 6 : 2;
  seg[at] = c >> 8; seg[at + 1] = c & 255;
  const ih = [0x60, 0, 0, 0, ...be16(seg.length), l4.proto, hops, ...s, ...d];
  return frame([...mac(dmac), ...mac(smac), 0x86, 0xdd, ...ih, ...seg]);
}

/** Neighbour advertisement (RFC 4861 §4.4) for `target` with its link-layer address, S|O. */
export function neighbourAdvert(dmac: string, smac: string, src: string, dst: string, target: string): Uint8Array {
  const t = ip6(target);
  const body = [136, 0, 0, 0, 0x60, 0, 0, 0, ...t, 2, 1, ...mac(smac)];
  const s = ip6(src), d = ip6(dst);
  const c = csum([...s, ...d, 0, 0, ...be16(body.length), 0, 0, 0, 58, ...body]);
  body[2] = c >> 8; body[3] = c & 255;
  return frame([...mac(dmac), ...mac(smac), 0x86, 0xdd, 0x60, 0, 0, 0, ...be16(body.length), 58, 255, ...s, ...d, ...body]);
}

/** ARP request (RFC 826) from smac/spa for tpa, broadcast. */
export function arpRequest(smac: string, spa: string, tpa: string): Uint8Array {
  return frame([...new Array(6).fill(0xff), ...mac(smac), 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1, ...mac(smac), ...ip4(spa), 0, 0, 0, 0, 0, 0, ...ip4(tpa)]);
}

function frame(bytes: number[]): Uint8Array {
  const f = new Uint8Array(Math.max(60, bytes.length));
  f.set(bytes);
  return f;
}

/** Writes frames as a libpcap file (magic a1b2c3d4, microseconds, Ethernet). */
export function writePcap(path: string, frames: readonly Uint8Array[]): void {
  const size = 24 + frames.reduce((s, f) => s + 16 + f.length, 0);
  const b = Buffer.alloc(size);
  b.writeUInt32LE(0xa1b2c3d4, 0); b.writeUInt16LE(2, 4); b.writeUInt16LE(4, 6);
  b.writeUInt32LE(65535, 16); b.writeUInt32LE(1, 20);
  let o = 24;
  frames.forEach((f, i) => {
    b.writeUInt32LE(1, o); b.writeUInt32LE(i, o + 4); b.writeUInt32LE(f.length, o + 8); b.writeUInt32LE(f.length, o + 12);
    b.set(f, o + 16);
    o += 16 + f.length;
  });
  writeFileSync(path, b);
}
