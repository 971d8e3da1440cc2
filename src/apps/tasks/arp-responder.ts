// A Punt task: answers ARP requests for the host's addresses (RFC 826), the classic slow-path job.
// Config (Punt's `data`): { "hosts": [{ "ip": "10.0.0.1", "mac": "02:00:00:00:00:01" }, ...] }.
// Untagged or single 802.1Q-tagged requests; the reply keeps the tag. Anything else (not ARP, not a
// request, not for us, truncated) gets no answer. Every read is bounds-checked against the frame.
const hosts = new Map<number, Uint8Array>(); // IPv4 (uint32) -> MAC

function parseIp(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  if (b.some((x) => x > 255)) return undefined;
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

export function init(data: unknown): void {
  const list = (data as { hosts?: unknown } | undefined)?.hosts;
  if (!Array.isArray(list) || list.length === 0) {
    throw new TypeError('arp-responder: give Punt data { "hosts": [{ "ip": "10.0.0.1", "mac": "02:00:00:00:00:01" }] }');
  }
  for (const [i, h] of list.entries()) {
    const ip = parseIp((h as { ip?: unknown }).ip), mac = (h as { mac?: unknown }).mac;
    if (ip === undefined) throw new TypeError(`arp-responder: hosts[${i}].ip ${JSON.stringify((h as { ip?: unknown }).ip)} is not an IPv4 address such as "10.0.0.1"`);
    if (typeof mac !== 'string' || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new TypeError(`arp-responder: hosts[${i}].mac ${JSON.stringify(mac)} is not a MAC such as "02:00:00:00:00:01"`);
    hosts.set(ip, Uint8Array.from(mac.split(':').map((x) => parseInt(x, 16))));
  }
}

const ETH_ARP = 0x0806, ETH_VLAN = 0x8100;

export default function arpResponder(frame: Uint8Array, reply: Uint8Array): number {
  const be16 = (o: number) => (frame[o]! << 8) | frame[o + 1]!;
  if (frame.length < 14) return 0;
  let at = 12;
  if (be16(at) === ETH_VLAN) {
    if (frame.length < 18) return 0;
    at += 4;
  }
  if (be16(at) !== ETH_ARP) return 0;
  const a = at + 2; // ARP header (RFC 826): htype, ptype, hlen, plen, oper, sha, spa, tha, tpa
  if (frame.length < a + 28) return 0;
  if (be16(a) !== 1 || be16(a + 2) !== 0x0800 || frame[a + 4] !== 6 || frame[a + 5] !== 4 || be16(a + 6) !== 1) return 0;
  const tpa = ((frame[a + 24]! << 24) | (frame[a + 25]! << 16) | (frame[a + 26]! << 8) | frame[a + 27]!) >>> 0;
  const mac = hosts.get(tpa);
  if (mac === undefined) return 0;
  const len = Math.max(60, a + 28);
  if (reply.length < len) return 0;
  reply.fill(0, 0, len);
  reply.set(frame.subarray(a + 8, a + 14), 0); // to the asker's MAC
  reply.set(mac, 6);
  reply.set(frame.subarray(12, a), 12); // the tag (if any) and the ethertype
  reply.set(frame.subarray(a, a + 6), a); // htype, ptype, hlen, plen
  reply[a + 6] = 0;
  reply[a + 7] = 2; // reply
  reply.set(mac, a + 8); // sha: us
  reply.set(frame.subarray(a + 24, a + 28), a + 14); // spa: the address asked for
  reply.set(frame.subarray(a + 8, a + 18), a + 18); // tha, tpa: the asker
  return len;
}
