// Entry point of `npm run bench -- NAME`: imports ./NAME.js (compiled from bench/NAME.ts) and
// runs its default export. Each benchmark prints one JSON result as the last line of stdout.
// With no NAME, lists the benchmarks. See docs/benchmarks.md.
// BENCH_NODE=/path/to/node runs the benchmark (and every thread and child it starts with
// process.execPath) on that Node instead of the one npm started: this file re-runs itself there.
import { spawnSync } from 'node:child_process';
import { readdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What every bench/NAME.ts exports. */
export interface BenchModule {
  /** One line: what is compared with what. */
  description?: string;
  /** Runs the benchmark (normally via runBench); must print the JSON result last. */
  default: () => Promise<unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Benchmark names: every NAME.js next to this file except run.js (lib/ is a directory). */
function benchNames(): string[] {
  return readdirSync(here)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => f.slice(0, -'.js'.length))
    .sort();
}

async function list(out: (line: string) => void): Promise<void> {
  out('usage: npm run bench -- NAME      (env BENCH_REPS=N repetitions, default 5; BENCH_NODE=path: run on that node)');
  out('benchmarks:');
  for (const name of benchNames()) {
    let description: string;
    try {
      description = ((await import(`./${name}.js`)) as BenchModule).description ?? '';
    } catch (err) {
      description = `(does not load: ${(err as Error).message.split('\n')[0]})`;
    }
    out(`  ${name.padEnd(24)} ${description}`);
  }
}

/** Re-runs this script on BENCH_NODE when that is another Node; returns its exit status, or null. */
function onBenchNode(): number | null {
  const want = process.env['BENCH_NODE'];
  if (want === undefined || want === '') return null;
  let path: string;
  try {
    path = realpathSync(want);
  } catch {
    throw new Error(`BENCH_NODE=${want}: no such file (give the path of a node executable)`);
  }
  if (path === realpathSync(process.execPath)) return null;
  const r = spawnSync(path, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.error) throw new Error(`BENCH_NODE=${want}: cannot run it (${r.error.message})`);
  return r.status ?? 1;
}

async function main(): Promise<number> {
  const delegated = onBenchNode();
  if (delegated !== null) return delegated;
  const name = process.argv[2];
  if (name === undefined || name === '--list' || name === '-h' || name === '--help') {
    await list((line) => console.log(line));
    return 0;
  }
  // A name is a file in this directory, never a path.
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name) || !benchNames().includes(name)) {
    console.error(`unknown benchmark "${name}"`);
    await list((line) => console.error(line));
    return 2;
  }
  const mod = (await import(`./${name}.js`)) as BenchModule;
  await mod.default();
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
