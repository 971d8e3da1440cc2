// `ringway devices --kernel --json` inside a namespace lists its veth pair with the driver, the
// queue count and what af_xdp can do there (native copy on veth: the kernel's netdev family says so).
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Lab, labAvailable } from './lab.js';
import { formatInterfaces, interfacePorts } from '../../src/cli/devices.js';

test('ringway devices --kernel lists the namespace\'s veths with driver, queues and XDP support', (t) => {
  if (!labAvailable(t)) return;
  const lab = new Lab();
  try {
    const ns = lab.netns();
    const { a, b } = lab.veth(ns, ns, 2);
    const cli = fileURLToPath(new URL('../../src/cli/ringway.js', import.meta.url));
    const rows = JSON.parse(lab.exec(ns, process.execPath, [cli, 'devices', '--kernel', '--json'])) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => r['name']).sort(), ['lo', a, b].sort(), 'only this namespace\'s interfaces');
    const vb = rows.find((r) => r['name'] === b)!;
    assert.equal(vb['driver'], 'veth');
    assert.equal(vb['rxQueues'], 2);
    assert.equal(vb['up'], true);
    if (vb['xdpNative'] !== null) assert.equal(vb['xdpNative'], true, 'veth runs native XDP');
    const text = lab.exec(ns, process.execPath, [cli, 'devices', '--kernel']);
    assert.match(text, new RegExp(`${b}\\s+veth\\s+2rx/2tx\\s+1500\\s+up\\s+af_packet af_xdp`));
  } finally {
    lab.destroy();
  }
});

test('interfacePorts / formatInterfaces: what each interface supports, aligned', () => {
  const row = { ifindex: 2, mac: '02:00:00:00:00:01', mtu: 1500, up: true, carrier: true, rxQueues: 2, txQueues: 2 };
  assert.equal(interfacePorts({ ...row, name: 'eth0', driver: 'ixgbe', xdpNative: true, xdpZerocopy: true }), 'af_packet af_xdp(native, zero-copy)');
  assert.equal(interfacePorts({ ...row, name: 'v0', driver: 'veth', xdpNative: true, xdpZerocopy: false }), 'af_packet af_xdp(native, copy)');
  assert.equal(interfacePorts({ ...row, name: 'd0', driver: 'dummy', xdpNative: false }), 'af_packet af_xdp(skb only)');
  assert.equal(interfacePorts({ ...row, name: 'old0', driver: 'e1000', xdpNative: null }), 'af_packet af_xdp(skb; native unknown)');
  assert.equal(interfacePorts({ ...row, name: 't0', driver: 'tun', xdpNative: false }), 'af_packet af_xdp(skb only) tap');
  const s = formatInterfaces([{ ...row, name: 'v0', driver: 'veth', xdpNative: true, xdpZerocopy: false, xdpProg: 7 }, { ...row, name: 'lo', driver: '-', up: false, rxQueues: 1, txQueues: 1 }]);
  assert.equal(s, [
    'IFACE  DRIVER  QUEUES   MTU   STATE  PORTS / NOTE',
    'v0     veth    2rx/2tx  1500  up     af_packet af_xdp(native, copy); XDP program 7 attached (af_xdp needs it free)',
    'lo     -       1rx/1tx  1500  down   af_packet',
    '',
  ].join('\n'));
  assert.match(formatInterfaces([]), /no network interfaces found/);
});
