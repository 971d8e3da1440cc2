// Csum (testpmd's csum forwarding engine, software checksums): parses Ethernet / VLAN / IPv4 or
// IPv6 / UDP or TCP and recomputes the IPv4 header checksum and the UDP or TCP checksum of every
// packet, in place, then forwards it. A packet that does not parse is forwarded untouched and
// counted ('malformed'); one that is not IP or not UDP/TCP goes on as it is (as testpmd's does).
import { App } from '../pipeline/app.js';
import { Parsed } from '../packet/parse.js';
import { L3, Result } from '../packet/constants.js';
import * as checksum from '../packet/checksum.js';

export class Csum extends App {
  static override dropReasons = ['malformed'];
  private readonly p = new Parsed();

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.p;
    let bad = 0;
    for (let k = 0; k < n; k++) {
      if (p.parse(this.pool, hs[k]!) !== Result.OK) {
        bad++;
        continue;
      }
      const v = p.l3Kind === L3.IPV4 ? 4 : p.l3Kind === L3.IPV6 ? 6 : 0;
      if (v === 4) checksum.setIpv4HeaderChecksum(p, p.l3);
      if (v === 0 || p.l4 < 0) continue;
      const at = p.ipProto === 17 ? checksum.CSUM_AT_UDP : p.ipProto === 6 ? checksum.CSUM_AT_TCP : -1;
      if (at < 0) continue;
      const c = checksum.l4Checksum(p, v, p.l3, p.ipProto, p.l4, p.l4Length, at);
      if (c >= 0) p.dv.setUint16(p.l4 + at, c);
    }
    if (bad > 0) this.countEvent(bad, 0); // forwarded too: counted, not dropped
    this.out[0]!.send(hs, n);
  }
}
