// `ringway run FILE`: runs a pipeline from a module (its default export builds the Config; .js,
// or .ts where Node strips types) or from a JSON configuration, on one worker per queue (or per
// stage), printing per-app rates every second; Ctrl-C stops it cleanly with totals and the pool
// accounting. --dot / --mermaid print the graph instead; --metrics ADDR serves /metrics and
// --control NAME offers the control socket (ringway top / stats / capture).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { invalid } from '../errors.js';
import { Supervisor, type PipelineStats } from '../pipeline/supervisor.js';
import { build, type ConfigSource } from '../pipeline/source.js';
import type { ConfigJSON } from '../pipeline/config.js';
import { Metrics } from '../metrics/index.js';

export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      queues: { type: 'string', default: '1' },
      cpus: { type: 'string' },
      duration: { type: 'string' },
      buffers: { type: 'string' },
      export: { type: 'string' },
      args: { type: 'string' },
      dot: { type: 'boolean' },
      mermaid: { type: 'boolean' },
      metrics: { type: 'string' },
      control: { type: 'string' },
    },
    strict: true,
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw invalid('usage: ringway run FILE [--queues N] [--cpus LIST] [--duration S] [--args JSON] [--dot|--mermaid]');
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw invalid(`--${name} '${v}' must be a positive number`);
    return n;
  };
  const source = sourceOf(file, values.export, values.args);
  const queues = num('queues', values.queues)!;
  if (values.dot || values.mermaid) {
    const cfg = await build(source, { queue: 0, queues });
    process.stdout.write(values.dot ? cfg.toDot() : cfg.toMermaid());
    return 0;
  }
  const duration = num('duration', values.duration);
  const buffers = num('buffers', values.buffers);
  // Listen before anything opens: a Ctrl-C while the workers start still stops cleanly.
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  // Observability: /metrics (prom-client, per port, pool, app and link) when asked, and the
  // control socket for `ringway top / stats / capture` when named.
  const metrics = await Metrics.start({
    ...(values.metrics !== undefined ? { listen: values.metrics } : {}),
    ...(values.control !== undefined ? { control: values.control } : {}),
  });
  if (metrics.http) console.log(`metrics: ${metrics.http.url}`);
  if (metrics.control) console.log(`control: ${metrics.control.path} (ringway top / stats / capture)`);
  let sup: Supervisor;
  try {
    sup = await Supervisor.start({
      source, queues,
      ...(values.cpus !== undefined ? { cpus: cpuList(values.cpus) } : {}),
      ...(buffers !== undefined ? { buffers } : {}),
      onRestart: (w, why) => console.log(`worker ${w} ${why}: restarted`),
    });
  } catch (e) {
    await metrics.close();
    throw e;
  }
  metrics.watchSupervisor(sup, 'pipeline', true);
  console.log(`ringway run: ${file} on ${sup.workers().length} worker(s) (${sup.workers().join(', ')})` + (duration ? `, ${duration} s` : ', Ctrl-C to stop'));
  let last = sup.stats(), lastT = performance.now(), sec = 0;
  const tick = setInterval(() => {
    const now = performance.now(), cur = sup.stats();
    console.log(`[${String(++sec).padStart(3)} s] ${rates(last, cur, (now - lastT) / 1000)}`);
    last = cur;
    lastT = now;
  }, 1000);
  await new Promise<void>((res) => {
    if (ac.signal.aborted) return res();
    ac.signal.addEventListener('abort', () => res(), { once: true });
    if (duration !== undefined) setTimeout(res, duration * 1000).unref();
  });
  clearInterval(tick);
  process.off('SIGINT', onSig);
  process.off('SIGTERM', onSig);
  const r = await sup.stop(() => metrics.sources.freeze());
  await metrics.close();
  for (const [name, a] of Object.entries(r.stats.apps)) {
    const drops = Object.entries(a.drops).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`).join(' ');
    console.log(`app ${name}: in=${a.in} out=${a.out} dropped=${a.dropped}${drops ? ` (${drops})` : ''}`);
  }
  for (const p of r.ports) console.log(`port ${p.name}: ipackets=${p.stats.ipackets} opackets=${p.stats.opackets} imissed=${p.stats.imissed} rx_nombuf=${p.stats.rxNombuf} oerrors=${p.stats.oerrors}`);
  if (r.stats.restarts) console.log(`restarts: ${r.stats.restarts}; buffers a dead worker held, returned by the sweep: ${r.reclaimed}`);
  const ok = r.pool.missing === 0 && r.pool.duplicates === 0 && r.pool.free === r.pool.total;
  console.log(`buffers: ${r.pool.free}/${r.pool.total} back in the pool, ${r.pool.missing} missing, ${r.pool.duplicates} duplicated` + (ok ? '' : '  <-- ACCOUNTING ERROR'));
  return ok ? 0 : 1;
}

function sourceOf(file: string, exp: string | undefined, args: string | undefined): ConfigSource {
  let a: unknown;
  if (args !== undefined) {
    try {
      a = JSON.parse(args);
    } catch (e) {
      throw invalid(`--args must be JSON: ${(e as Error).message}`);
    }
  }
  const ext = extname(file);
  if (ext === '.json') {
    let j: unknown;
    try {
      j = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw invalid(`configuration ${file}: ${(e as Error).message}`);
    }
    return { json: j as ConfigJSON };
  }
  if (['.ts', '.mts'].includes(ext) && !(process.features as { typescript?: unknown }).typescript) {
    throw invalid(`${file}: Node ${process.versions.node} does not load TypeScript itself; compile it (npx tsc) and run the .js, or use Node 22.18 or newer`);
  }
  return { module: file, ...(exp !== undefined ? { export: exp } : {}), ...(args !== undefined ? { args: a } : {}) };
}

/** "rx 12.3 Mpps  swap 12.3 Mpps ..." from two snapshots: packets in per app per second. */
function rates(a: PipelineStats, b: PipelineStats, secs: number): string {
  return Object.keys(b.apps)
    .filter((n) => !n.startsWith('__'))
    .map((n) => {
      const x = b.apps[n]!, y = a.apps[n];
      const mpps = (x.in - (y?.in ?? 0)) / secs / 1e6;
      const drops = x.dropped - (y?.dropped ?? 0);
      return `${n} ${mpps.toFixed(2)}${drops > 0 ? ` (-${(drops / secs / 1e6).toFixed(2)})` : ''}`;
    })
    .join('  ') + '  Mpps';
}

/** "1", "2,3" or "0-3": CPU numbers for --cpus (as taskset and DPDK's -l write them). */
export function cpuList(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) throw invalid(`--cpus '${v}': give CPU numbers such as 1, 2,3 or 0-3`);
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}
