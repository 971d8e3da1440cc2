// Source NAT between capture files: INSIDE.pcap arrives from the inside network, OUTSIDE.pcap
// from the outside (processed after the inside one, so replies find their flows); translated
// frames are written to TO-OUTSIDE.pcap and TO-INSIDE.pcap. External address 203.0.113.1.
// usage: node dist/examples/nat.js INSIDE.pcap OUTSIDE.pcap TO-INSIDE.pcap TO-OUTSIDE.pcap
import { Config, Engine, Nat44, Pool, PortIn, PortOut } from '../src/index.js';

const [inside, outside, toInside, toOutside] = process.argv.slice(2);
if (!inside || !outside || !toInside || !toOutside) throw new Error('usage: node dist/examples/nat.js INSIDE.pcap OUTSIDE.pcap TO-INSIDE.pcap TO-OUTSIDE.pcap');
const pool = Pool.create({ buffers: 8192 });
const engine = new Engine({ pool });
const c = new Config()
  .app('in', PortIn, { port: `pcap:rx=${inside}` })
  .app('nat', Nat44, { externalIp: '203.0.113.1', portLo: 20000, portHi: 29999 })
  .app('toIn', PortOut, { port: `pcap:tx=${toInside}` })
  .app('toOut', PortOut, { port: `pcap:tx=${toOutside}` })
  .link('in.out -> nat.inside')
  .link('nat.inside -> toIn.in')
  .link('nat.outside -> toOut.in');
engine.configure(c);
for (let idle = 0; idle < 100; ) idle = engine.breathe() === 0 ? idle + 1 : 0;
// Then the outside capture: the NAT keeps its flows across the reconfiguration (same app, same
// config), only a source is added.
engine.configure(Config.fromJSON({ ...c.toJSON(), apps: { ...c.toJSON().apps, out: { app: 'PortIn', config: { port: `pcap:rx=${outside}` } } }, links: [...c.toJSON().links, 'out.out -> nat.outside'] }, { PortIn, PortOut, Nat44 }));
for (let idle = 0; idle < 100; ) idle = engine.breathe() === 0 ? idle + 1 : 0;
const s = engine.stats().apps['nat']!;
console.log(`${s.in} in, ${s.out} translated, dropped: ${JSON.stringify(Object.fromEntries(Object.entries(s.drops).filter(([, v]) => v > 0)))}`);
engine.stop();
pool.close();
