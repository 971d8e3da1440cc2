// A learning bridge: L2Fwd between three bridge ports, each a capture read in and one written out.
// It learns which port each source MAC is on, sends known unicast only there and floods the rest.
// usage: node dist/examples/l2fwd.js p0.pcap p1.pcap p2.pcap   (writes p0.pcap.out, ...)
import { Config, Engine, L2Fwd, Pool, PortIn, PortOut } from '../src/index.js';

const files = process.argv.slice(2);
const pool = Pool.create({ buffers: 4096 });
const c = new Config().app('bridge', L2Fwd, { maxEntries: 1024 });
files.forEach((f, i) => {
  c.app(`rx${i}`, PortIn, { port: `pcap:rx=${f}` }).link(`rx${i}.out -> bridge.p${i}`);
  c.app(`tx${i}`, PortOut, { port: `pcap:tx=${f}.out` }).link(`bridge.p${i} -> tx${i}.in`);
});
const engine = new Engine({ pool });
engine.configure(c);
engine.run({ untilIdle: 1000 }); // until every capture is read
const s = engine.stats().apps;
files.forEach((f, i) => console.log(`${f}: ${s[`rx${i}`]!.out} in, ${s[`tx${i}`]!.out} out`));
console.log(`flood copies short of buffers: ${s.bridge!.drops.nombuf}, filtered: ${s.bridge!.drops['same-port']}`);
engine.stop();
pool.close();
