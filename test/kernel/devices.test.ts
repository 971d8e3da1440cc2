// `ringway devices --kernel --json` inside a namespace lists its veth pair with the driver, the
// queue count and what af_xdp can do there (native copy on veth: the kernel's netdev family says so).
import test from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Lab, labAvailable } from './lab.js';

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
