// An IPv4/IPv6 router between capture files: frames read from IN.pcap arrive on interface if0;
// what the router sends on if0, if1 and if2 is written to OUTDIR/if0.pcap, if1.pcap, if2.pcap.
// Routes and neighbours are static here; ARP, ND and ICMP work as on a live port.
// usage: node dist/examples/router.js IN.pcap OUTDIR
import { Config, Engine, Pool, PortIn, PortOut, Router } from '../src/index.js';
import { join } from 'node:path';

const [input, outdir] = process.argv.slice(2);
if (!input || !outdir) throw new Error('usage: node dist/examples/router.js IN.pcap OUTDIR');
const pool = Pool.create({ buffers: 8192 });
const engine = new Engine({ pool });
const c = new Config();
c.app('rx', PortIn, { port: `pcap:rx=${input}` });
c.app('router', Router, {
  interfaces: [
    { name: 'if0', mac: '02:00:00:00:00:10', ipv4: '198.18.0.1/24', ipv6: '2001:db8:0::1/64' },
    { name: 'if1', mac: '02:00:00:00:00:11', ipv4: '198.18.1.1/24', ipv6: '2001:db8:1::1/64' },
    { name: 'if2', mac: '02:00:00:00:00:12', ipv4: '198.18.2.1/24', ipv6: '2001:db8:2::1/64' },
  ],
  routes: [
    '10.1.0.0/16 dev if1 via 198.18.1.2',
    '10.2.0.0/16 dev if2 via 198.18.2.2',
    '2001:db8:a::/48 dev if1 via 2001:db8:1::2',
  ],
  neighbours: ['198.18.1.2 02:00:00:00:01:02 dev if1', '198.18.2.2 02:00:00:00:02:02 dev if2', '2001:db8:1::2 02:00:00:00:01:02 dev if1'],
});
for (const k of [0, 1, 2]) c.app(`tx${k}`, PortOut, { port: `pcap:tx=${join(outdir, `if${k}.pcap`)}` });
c.link('rx.out -> router.if0');
for (const k of [0, 1, 2]) c.link(`router.if${k} -> tx${k}.in`);
engine.configure(c);
// The capture ends: run until 100 breaths in a row bring nothing.
for (let idle = 0; idle < 100; ) idle = engine.breathe() === 0 ? idle + 1 : 0;
const r = engine.stats().apps['router']!;
console.log(`${r.in} in, ${r.out} out, dropped: ${JSON.stringify(Object.fromEntries(Object.entries(r.drops).filter(([, v]) => v > 0)))}`);
engine.stop();
pool.close();
