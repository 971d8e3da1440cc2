// Runs a pipeline (plain-data configuration) under the Supervisor on one worker for warm + secs
// seconds and returns the median Mpps of the steady seconds, counted as packets out of app `app`.
import { Pool } from '../../src/memory/pool.js';
import { Supervisor } from '../../src/pipeline/supervisor.js';
import type { ConfigJSON } from '../../src/pipeline/config.js';
import { cpus, median } from './harness.js';

export async function pipelineMpps(json: ConfigJSON, app: string, o: { secs: number; warm: number; pool: Pool; label: string }): Promise<number> {
  const sup = await Supervisor.start({ source: { json }, pool: o.pool, ...cpus() });
  const samples: number[] = [];
  try {
    let last = sup.stats().apps[app]?.out ?? 0, lastT = performance.now();
    for (let s = 0; s < o.warm + o.secs; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = performance.now(), cur = sup.stats().apps[app]?.out ?? 0;
      samples.push((cur - last) / ((now - lastT) / 1000) / 1e6);
      last = cur;
      lastT = now;
    }
  } finally {
    const r = await sup.stop();
    if (r.pool.missing !== 0 || r.pool.duplicates !== 0) throw new Error(`buffers lost in the run: ${JSON.stringify(r.pool)}`);
  }
  const mpps = median(samples.slice(o.warm));
  console.log(`  ours ${o.label}: ${mpps.toFixed(2)} Mpps (${o.pool.huge ? 'hugepages' : 'ordinary pages'}) per second: ${samples.map((x) => x.toFixed(1)).join(' ')}`);
  return mpps;
}
