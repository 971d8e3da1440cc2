// metrics-overhead: the null-port forwarder with everything observability offers switched on
// (the /metrics endpoint scraped every second, the control socket, and a capture armed for the
// whole run, streamed to a client that discards it) vs the same forwarder with none of it,
// alternating in one run. Ratio = on / off; the issue asks for >= 0.97.
// BENCH_CAPTURE picks where the capture is armed: 'other' (default, the setup: a third
// port of the same process, so the forwarding ports pay only their per-burst flag check),
// 'forwarding' (port b queue 0 itself: the worker copies what the area has room for, and the main
// thread streams it; this measures the copy), or 'none'.
// The burst-size histogram add and the capture check are in every rxBurst/txBurst, on or off:
// this ratio measures what switching observability on costs, not those two always-on loads.
import net from 'node:net';
import { Pool } from '../src/memory/pool.js';
import { Port } from '../src/port/port.js';
import { runForwarder } from '../src/fwd/forwarder.js';
import { Metrics } from '../src/metrics/index.js';
import { median, runBench } from './lib/harness.js';

export const description = 'null-port fwd with /metrics scraped every second + a capture armed on port b, vs metrics off (Mpps, ratio on/off)';

const secs = Number(process.env.BENCH_SECONDS ?? 5);
const where = process.env.BENCH_CAPTURE ?? 'other';
if (!['other', 'forwarding', 'none'].includes(where)) throw new Error(`BENCH_CAPTURE=${where}: use other, forwarding or none`);
const warm = 2;

async function fwd(on: boolean): Promise<number> {
  const pool = Pool.create({ name: 'bench-metrics', buffers: 8192 });
  const m = on ? await Metrics.start({ listen: '127.0.0.1:0', control: `bench-${process.pid}` }) : undefined;
  let scrapes = 0, captured = 0;
  let scraper: NodeJS.Timeout | undefined;
  let cap: net.Socket | undefined;
  const other = on && where === 'other' ? Port.open('null:size=64', { pool }) : undefined;
  try {
    const r = await runForwarder({
      pool, mode: 'io', burst: 32, durationMs: (warm + secs) * 1000 + 500,
      onStart: (ctx) => {
        if (!m) return;
        m.watchForwarder(ctx);
        scraper = setInterval(() => void fetch(m.http!.url).then((x) => x.text()).then(() => scrapes++), 1000);
        if (other) m.sources.registerPort('c', other);
        if (where !== 'none') {
          const port = where === 'other' ? 'c' : 'b';
          cap = net.connect(m.control!.path, () => cap!.write(JSON.stringify({ cmd: 'capture', port, queue: 0 }) + '\n'));
        }
        cap?.on('data', (d: Buffer) => { captured += d.length; });
      },
      onStop: () => {
        clearInterval(scraper);
        cap?.destroy();
      },
    });
    const mpps = median(r.samples.slice(warm, warm + secs));
    console.log(`  metrics ${on ? 'on ' : 'off'}: ${mpps.toFixed(2)} Mpps per second: ${r.samples.map((x) => x.toFixed(1)).join(' ')}` +
      (on ? `; ${scrapes} scrapes, ${(captured / 1e6).toFixed(1)} MB captured` : ''));
    if (on && (scrapes < secs || (cap && captured === 0))) throw new Error(`observability was not exercised: ${scrapes} scrapes, ${captured} bytes captured`);
    return mpps;
  } finally {
    await m?.close();
    other?.close();
    pool.close();
  }
}

export default () =>
  runBench({
    name: 'metrics-overhead',
    unit: 'Mpps',
    peer: 'the same forwarder with metrics, control socket and capture off',
    ours: () => fwd(true),
    theirs: () => fwd(false),
    context: () => ({ seconds: secs, burst: 32, scrape_interval_s: 1, capture: where }),
  });
