// Nothing is left behind when a process holding a kernel-interface port dies of SIGTERM (the
// library closes its ports and re-raises) or of SIGKILL (nothing runs: the kernel's own cleanup
// must do it: the XDP program goes with its bpf_link's fd, the TAP with its last queue's fd, the
// promiscuous membership with the packet socket).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labAvailable } from './lab.js';
import { findOnPath } from '../lib/skip.js';

for (const sig of ['SIGKILL', 'SIGTERM'] as const) {
  test(`${sig} of a process holding af_xdp, af_packet and tap ports leaves no program, TAP or promiscuous mode`, async (t) => {
    if (!labAvailable(t)) return;
    const lab = new Lab();
    try {
      const ns = lab.netns();
      const x = lab.veth(ns, ns), p = lab.veth(ns, ns);
      const tap = `rwk${process.pid % 10000}${sig === 'SIGKILL' ? 'k' : 't'}`;
      const agents = [lab.agent(ns, { spec: `af_xdp:${x.b}` }), lab.agent(ns, { spec: `af_packet:${p.b}` }), lab.agent(ns, { spec: `tap:${tap}` })];
      for (const ag of agents) await ag.next();
      assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', x.b]), /prog\/xdp/);
      assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', p.b]), /promiscuity 1/);
      assert.ok(lab.exec(ns, 'ip', ['-o', 'link']).includes(`: ${tap}:`));
      for (const ag of agents) ag.proc.kill(sig);
      for (const ag of agents) assert.equal((await ag.exited).signal, sig, 'died of the signal');
      // the kernel releases sockets and links as the process's files close; give it a moment
      await new Promise((r) => setTimeout(r, 300));
      assert.doesNotMatch(lab.exec(ns, 'ip', ['-d', 'link', 'show', x.b]), /xdp/, 'no XDP program');
      if (findOnPath('bpftool')) assert.doesNotMatch(lab.exec(ns, 'bpftool', ['net']), /xdp.*id/, 'bpftool net: no XDP program');
      assert.match(lab.exec(ns, 'ip', ['-d', 'link', 'show', p.b]), /promiscuity 0/, 'promiscuous mode undone');
      assert.ok(!lab.exec(ns, 'ip', ['-o', 'link']).includes(`: ${tap}:`), 'TAP removed');
    } finally {
      lab.destroy();
    }
  });
}
