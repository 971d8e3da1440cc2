// The Toeplitz hash against Microsoft's published RSS verification vectors ("Verifying the RSS
// Hash Calculation", Windows driver docs): IPv4 and IPv6, with and without ports, default key.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Toeplitz } from '../../../src/apps/nf/toeplitz.js';
import { parseIPv4, parseIPv6 } from '../../../src/apps/nf/lpm.js';

// [destination, destination port, source, source port, hash with ports (TCP), hash without]
const V4: Array<[string, number, string, number, number, number]> = [
  ['161.142.100.80', 1766, '66.9.149.187', 2794, 0x51ccc178, 0x323e8fc2],
  ['65.69.140.83', 4739, '199.92.111.2', 14230, 0xc626b0ea, 0xd718262a],
  ['12.22.207.184', 38024, '24.19.198.95', 12898, 0x5c2b394a, 0xd2d0a5de],
  ['209.142.163.6', 2217, '38.27.205.30', 48228, 0xafc7327f, 0x82989176],
  ['202.188.127.2', 1303, '153.39.163.191', 44251, 0x10e828a2, 0x5d1809c5],
];
const V6: Array<[string, number, string, number, number, number]> = [
  ['3ffe:2501:200:3::1', 1766, '3ffe:2501:200:1fff::7', 2794, 0x40207d3d, 0x2cc18cd5],
  ['ff02::1', 4739, '3ffe:501:8::260:97ff:fe40:efab', 14230, 0xdde51bbf, 0x0f0c461c],
  ['fe80::200:f8ff:fe21:67cf', 38024, '3ffe:1900:4545:3:200:f8ff:fe21:67cf', 44251, 0x02d1feef, 0x4b61e985],
];

test('Toeplitz: IPv4 verification vectors, with and without ports', () => {
  const t = new Toeplitz();
  // A fake IPv4 header (addresses at 12..20) followed by the ports, as hashIPv4 reads packets.
  const pkt = new Uint8Array(24);
  const dv = new DataView(pkt.buffer);
  for (const [dst, dp, src, sp, withPorts, without] of V4) {
    dv.setUint32(12, parseIPv4(src));
    dv.setUint32(16, parseIPv4(dst));
    dv.setUint16(20, sp);
    dv.setUint16(22, dp);
    assert.equal(t.hashIPv4(pkt, 0, 20), withPorts, `${src}:${sp} -> ${dst}:${dp}`);
    assert.equal(t.hashIPv4(pkt, 0, -1), without, `${src} -> ${dst}`);
    assert.equal(t.hash(pkt, 12, 12), withPorts);
  }
});

test('Toeplitz: IPv6 verification vectors, with and without ports', () => {
  const t = new Toeplitz();
  const pkt = new Uint8Array(44);
  const dv = new DataView(pkt.buffer);
  for (const [dst, dp, src, sp, withPorts, without] of V6) {
    pkt.set(parseIPv6(src), 8);
    pkt.set(parseIPv6(dst), 24);
    dv.setUint16(40, sp);
    dv.setUint16(42, dp);
    assert.equal(t.hashIPv6(pkt, 0, 40), withPorts, `[${src}]:${sp} -> [${dst}]:${dp}`);
    assert.equal(t.hashIPv6(pkt, 0, -1), without, `${src} -> ${dst}`);
  }
});

test('Toeplitz: a key too short for the input is refused', () => {
  assert.throws(() => new Toeplitz(new Uint8Array(8)), /RSS key of 8 bytes/);
});
