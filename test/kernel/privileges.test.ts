// Without the capability a kernel-interface port needs, opening it fails with an error naming the
// capability and how to grant it. The agent runs as root with capabilities dropped by setpriv
// (util-linux) from both the bounding and the inheritable set, so the exec'd node lacks them.
import test from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labAvailable } from './lab.js';
import { requireTool } from '../lib/skip.js';

const drop = (...caps: string[]) => ['setpriv', `--inh-caps=${caps.map((c) => '-' + c).join(',')}`, `--bounding-set=${caps.map((c) => '-' + c).join(',')}`];

test('missing CAP_NET_RAW, CAP_NET_ADMIN, CAP_BPF: each error names the capability and the fix', async (t) => {
  if (!labAvailable(t) || !requireTool(t, 'setpriv', 'apt-get install -y util-linux')) return;
  const lab = new Lab();
  try {
    const ns = lab.netns();
    const { b } = lab.veth(ns, ns);
    const names = (cap: string) => (e: Error & { code?: string }) =>
      e.code === 'ERR_RINGWAY_INVALID_ARGUMENT' && e.message.includes(cap) && /setcap .*\+ep/.test(e.message) && /run as root/.test(e.message);
    await assert.rejects(lab.agent(ns, { spec: `af_packet:${b}` }, drop('net_raw')).next(), names('CAP_NET_RAW'));
    await assert.rejects(lab.agent(ns, { spec: `tap:rwcap${process.pid % 10000}` }, drop('net_admin')).next(), names('CAP_NET_ADMIN'));
    await assert.rejects(lab.agent(ns, { spec: `af_xdp:${b}` }, drop('bpf', 'sys_admin', 'net_admin')).next(), names('CAP_BPF'));
    await assert.rejects(lab.agent(ns, { spec: `af_xdp:${b}` }, drop('net_raw')).next(), names('CAP_NET_RAW'));
    assert.doesNotMatch(lab.exec(ns, 'ip', ['-d', 'link', 'show', b]), /xdp/, 'a failed open leaves no program');
  } finally {
    lab.destroy();
  }
});
