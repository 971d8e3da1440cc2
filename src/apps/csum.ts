// Csum (testpmd's csum forwarding engine, software checksums): parses Ethernet / VLAN / IPv4 or
// IPv6 / UDP or TCP and recomputes the IPv4 header checksum and the UDP or TCP checksum of every
// packet, in place, then forwards it. A packet that does not parse is forwarded untouched and
// counted ('malformed'); one that is not IP or not UDP/TCP goes on as it is (as testpmd's does).
//
// Plain IPv4 UDP/TCP frames take recomputeIpv4Checksums (fixed offsets, no parser: about 3x
// faster, docs/benchmarks.md); everything else, and anything that path declines, the parser.
import { App } from '../pipeline/app.js';
import { Parsed } from '../packet/parse.js';
import { L3, Result } from '../packet/constants.js';
import * as checksum from '../packet/checksum.js';
import { recomputeIpv4Checksums } from '../packet/checksum-fast.js';
import type { PoolView } from '../memory/pool.js';
import { LINK_CAPACITY } from '../pipeline/link.js';

export class Csum extends App {
  static override dropReasons = ['malformed'];
  private readonly p = new Parsed();
  /** The handles the fast path declined in this burst (a burst is at most a link's content). */
  private rest = new Uint32Array(LINK_CAPACITY);

  override push(_input: number, hs: Uint32Array, n: number): void {
    const pool = this.pool;
    // the engine's bursts fit; a direct caller's longer one gets a larger array (not the hot path)
    if (n > this.rest.length) this.rest = new Uint32Array(n);
    const rest = this.rest;
    let bad = 0;
    const m = recomputeIpv4Checksums(pool, hs, n, rest);
    for (let k = 0; k < m; k++) if (!recomputeParsed(this.p, pool, rest[k]!)) bad++;
    if (bad > 0) this.countEvent(bad, 0); // forwarded too: counted, not dropped
    this.out[0]!.send(hs, n);
  }
}

/**
 * The general path: parses buffer h and recomputes its IPv4 header checksum and UDP/TCP checksum
 * (IPv4 or IPv6, any VLAN tags, options and extension headers the parser walks). False if the
 * packet does not parse (it is left as it was).
 */
export function recomputeParsed(p: Parsed, pool: PoolView, h: number): boolean {
  if (p.parse(pool, h) !== Result.OK) return false;
  const v = p.l3Kind === L3.IPV4 ? 4 : p.l3Kind === L3.IPV6 ? 6 : 0;
  if (v === 4) checksum.setIpv4HeaderChecksum(p, p.l3);
  if (v === 0 || p.l4 < 0) return true;
  const at = p.ipProto === 17 ? checksum.CSUM_AT_UDP : p.ipProto === 6 ? checksum.CSUM_AT_TCP : -1;
  if (at < 0) return true;
  const c = checksum.l4Checksum(p, v, p.l3, p.ipProto, p.l4, p.l4Length, at);
  if (c >= 0) p.dv.setUint16(p.l4 + at, c);
  return true;
}
