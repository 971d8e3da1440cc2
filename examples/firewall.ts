// A firewall between capture files: the rules file is in the format dpdk-test-acl and DPDK's
// l3fwd read ('@src/len dst/len sport : sport dport : dport proto/mask', optionally followed by
// permit, drop, count or out:NAME); permitted frames are written to OUT.pcap.
// usage: node dist/examples/firewall.js RULES IN.pcap OUT.pcap
import { Acl, Config, Engine, Pool, PortIn, PortOut } from '../src/index.js';

const [rules, input, output] = process.argv.slice(2);
if (!rules || !input || !output) throw new Error('usage: node dist/examples/firewall.js RULES IN.pcap OUT.pcap');
const pool = Pool.create({ buffers: 8192 });
const engine = new Engine({ pool });
const c = new Config()
  .app('rx', PortIn, { port: `pcap:rx=${input}` })
  .app('acl', Acl, { rulesFile: rules, default: 'drop' })
  .app('tx', PortOut, { port: `pcap:tx=${output}` })
  .link('rx.out -> acl.in')
  .link('acl.out -> tx.in');
engine.configure(c);
for (let idle = 0; idle < 100; ) idle = engine.breathe() === 0 ? idle + 1 : 0;
const s = engine.stats().apps['acl']!;
console.log(`${s.in} in, ${s.out} permitted, ${s.drops['denied']} denied, ${s.drops['no-match']} matched no rule`);
engine.stop();
pool.close();
