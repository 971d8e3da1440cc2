// A pipeline with an app of its own: read a capture, drop runt frames, swap MACs, write a capture.
// usage: node dist/examples/pipeline.js in.pcap out.pcap
import { App, Config, Engine, MacSwap, Pool, PortIn, PortOut, f, type ConfigOf } from '../src/index.js';

class MinLength extends App {
  static override schema = { min: f.int({ min: 14, max: 9000, default: 60 }) };
  static override dropReasons = ['short'];
  declare readonly config: ConfigOf<typeof MinLength.schema>;
  override push(_input: number, hs: Uint32Array, n: number): void {
    let k = 0;
    for (let i = 0; i < n; i++) {
      if (this.pool.dataLen(hs[i]!) >= this.config.min) hs[k++] = hs[i]!;
      else this.drop(hs, 1, 0, i); // freed, and counted as 'short'
    }
    this.out[0]!.send(hs, k); // these belong to the next app now
  }
}

const [input, output] = process.argv.slice(2);
const pool = Pool.create({ buffers: 4096 });
const engine = new Engine({ pool });
engine.configure(new Config()
  .app('rx', PortIn, { port: `pcap:rx=${input}` })
  .app('len', MinLength, { min: 60 })
  .app('swap', MacSwap)
  .app('tx', PortOut, { port: `pcap:tx=${output}` })
  .link('rx.out -> len.in').link('len.out -> swap.in').link('swap.out -> tx.in'));
engine.run({ untilIdle: 1000 }); // until the capture is read
const { len, tx } = engine.stats().apps;
console.log(`${tx!.out} packets written, ${len!.drops.short} runts dropped`);
engine.stop();
pool.close();
