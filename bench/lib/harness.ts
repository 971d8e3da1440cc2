// Shared driver for bench/*.ts: measures ours and a named peer in the same run, so both see
// the same machine state (this is a shared 2-vCPU VM whose speed drifts from minute to minute).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { native } from '../../src/native.js';

export interface BenchSpec {
  /** Benchmark name, = file name without extension (bench/NAME.ts). */
  name: string;
  /** Unit of what ours() and theirs() return, e.g. 'Mpps'. Higher must mean better. */
  unit: string;
  /** What theirs() measures, e.g. 'dpdk-testpmd 22.11 io fwd, net_null x2, 1 core'. */
  peer: string;
  /** Repetitions; env BENCH_REPS overrides it, default 5. */
  reps?: number;
  /** One measurement of ours. */
  ours: () => Promise<number>;
  /** One measurement of the peer. */
  theirs: () => Promise<number>;
  /** Extra facts for the result (e.g. hugepages or not), read after the last rep. */
  context?: () => Record<string, unknown>;
}

export interface BenchResult {
  bench: string;
  unit: string;
  ours: number;
  peer: string;
  theirs: number;
  /** ours / theirs: > 1 means we are faster. */
  ratio: number;
  reps: number;
  /** The Node that ran the benchmark (BENCH_NODE picks it, bench/run.ts). */
  node: string;
  /** min/max of the reps, to judge how far a median can be trusted; contended = samples taken while the idle gate was not met. */
  noise: {
    ours_min: number; ours_max: number; theirs_min: number; theirs_max: number; loadavg1_start: number; loadavg1_end: number; contended: number;
    /**
     * ours/theirs within each rep (the two samples were taken back to back), median and range. On
     * a VM whose speed changes for minutes at a time, this is the steadier reading when the
     * medians of the two sides come from different periods.
     */
    paired_ratio_median: number; paired_ratio_min: number; paired_ratio_max: number;
  };
  samples: { ours: number[]; theirs: number[] };
  context?: Record<string, unknown>;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] as number; // in range: 0 <= mid < length
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] as number) + hi) / 2;
}

/** Repetitions: env BENCH_REPS (a positive integer) wins, then the spec's value, then 5. */
export function resolveReps(specReps?: number, env: string | undefined = process.env['BENCH_REPS']): number {
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_REPS must be a positive integer, got "${env}"`);
    return n;
  }
  return specReps ?? 5;
}

/**
 * The CPU our forwarding worker is pinned to: testpmd's forwarding lcore (it runs `-l 0,1`, so
 * lcore 1 forwards on CPU 1), so that both sides run on the same CPU and neither is migrated.
 * BENCH_CPU=N picks another CPU, BENCH_CPU=none leaves ours unpinned (the scheduler's choice).
 * Where the process may not use that CPU, ours runs unpinned and the bench says so.
 */
export function forwardingCpus(): number[] | undefined {
  const want = process.env['BENCH_CPU'] ?? '1';
  if (want === 'none') return undefined;
  const cpu = Number(want);
  if (!Number.isInteger(cpu) || cpu < 0) throw new Error(`BENCH_CPU must be a CPU number or "none", got "${want}"`);
  if (!native.threadCpus().includes(cpu)) {
    console.log(`  (CPU ${cpu} is not available to this process: ours runs unpinned)`);
    return undefined;
  }
  return [cpu];
}

/** forwardingCpus() as runForwarder / Supervisor options. */
export function cpus(): { cpus?: number[] } {
  const c = forwardingCpus();
  return c ? { cpus: c } : {};
}

/** Rounded for printing: 3 decimals keeps sub-Mpps rates (e.g. 0.473) readable without fake precision. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Whole-machine idle percentage over `ms`, from /proc/stat (idle + iowait over all time). */
async function idlePercent(ms: number): Promise<number> {
  const read = () => (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
  const a = read();
  await sleep(ms);
  const b = read();
  const d = b.map((x, i) => x - (a[i] ?? 0));
  const total = d.reduce((x, y) => x + y, 0);
  return total > 0 ? (100 * ((d[3] ?? 0) + (d[4] ?? 0))) / total : 100;
}

/**
 * Optional noise gate, env BENCH_IDLE_GATE=PCT (off by default): before each sample, wait until
 * the machine is at least PCT % idle over 1 s, for at most BENCH_IDLE_MAX_WAIT seconds (default
 * 120). On a shared 2-vCPU VM one busy neighbour halves a spinning benchmark. Returns a log note
 * and whether the gate was met.
 */
async function idleGate(): Promise<{ note: string; met: boolean }> {
  const pct = Number(process.env['BENCH_IDLE_GATE'] ?? 0);
  if (!(pct > 0)) return { note: '', met: true };
  const maxWaitMs = 1000 * Number(process.env['BENCH_IDLE_MAX_WAIT'] ?? 120);
  const t0 = Date.now();
  let idle = await idlePercent(1000);
  while (idle < pct && Date.now() - t0 < maxWaitMs) {
    await sleep(2000);
    idle = await idlePercent(1000);
  }
  const met = idle >= pct;
  return { note: ` (idle ${idle.toFixed(0)}%, waited ${((Date.now() - t0) / 1000).toFixed(0)} s${met ? '' : ', CONTENDED'})`, met };
}

async function sample(label: string, fn: () => Promise<number>): Promise<number> {
  const value = await fn();
  // A zero or NaN rate means the measurement broke; failing beats printing ratio=Infinity.
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${label} returned ${value}, expected a positive rate`);
  return value;
}

/**
 * Runs spec.reps repetitions, each measuring ours and theirs back to back. The order flips every
 * rep (ours first on odd reps, theirs first on even ones) so neither side always gets the warmer
 * or the quieter slot. Logs every sample, then a noise line, then prints the result as one JSON
 * line, which is the last line of stdout; returns the same result.
 */
export async function runBench(spec: BenchSpec): Promise<BenchResult> {
  const reps = resolveReps(spec.reps);
  const ours: number[] = [];
  const theirs: number[] = [];
  const load0 = loadavg()[0] ?? 0;
  let contended = 0;
  const log = (line: string) => console.log(`[${spec.name}] ${line}`);
  log(`${reps} reps, ours vs ${spec.peer}, unit ${spec.unit}, node ${process.version}, loadavg ${load0.toFixed(2)}`);

  for (let rep = 1; rep <= reps; rep++) {
    const order = rep % 2 === 1 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const);
    for (const side of order) {
      const gate = await idleGate();
      if (!gate.met) contended++;
      const value = side === 'ours' ? await sample('ours', spec.ours) : await sample('theirs', spec.theirs);
      (side === 'ours' ? ours : theirs).push(value);
      log(`rep ${rep}/${reps} ${side.padEnd(6)} ${value.toFixed(3)} ${spec.unit}${gate.note}`);
    }
  }

  const oursMed = median(ours);
  const theirsMed = median(theirs);
  const paired = ours.map((o, i) => o / theirs[i]!);
  const result: BenchResult = {
    bench: spec.name,
    unit: spec.unit,
    ours: round3(oursMed),
    peer: spec.peer,
    theirs: round3(theirsMed),
    ratio: round3(oursMed / theirsMed),
    reps,
    node: process.version,
    noise: {
      ours_min: round3(Math.min(...ours)),
      ours_max: round3(Math.max(...ours)),
      theirs_min: round3(Math.min(...theirs)),
      theirs_max: round3(Math.max(...theirs)),
      loadavg1_start: round3(load0),
      loadavg1_end: round3(loadavg()[0] ?? 0),
      contended,
      paired_ratio_median: round3(median(paired)),
      paired_ratio_min: round3(Math.min(...paired)),
      paired_ratio_max: round3(Math.max(...paired)),
    },
    samples: { ours: ours.map(round3), theirs: theirs.map(round3) },
  };
  const context = spec.context?.();
  if (context !== undefined) result.context = context;

  const spread = (xs: number[], med: number) => `${((100 * (Math.max(...xs) - Math.min(...xs))) / med).toFixed(0)}%`;
  log(`noise: ours ${result.noise.ours_min}..${result.noise.ours_max} (spread ${spread(ours, oursMed)}), ` +
    `theirs ${result.noise.theirs_min}..${result.noise.theirs_max} (spread ${spread(theirs, theirsMed)}), ` +
    `ratio within reps ${result.noise.paired_ratio_min}..${result.noise.paired_ratio_max} (median ${result.noise.paired_ratio_median}), ` +
    `loadavg ${result.noise.loadavg1_start} -> ${result.noise.loadavg1_end}` +
    (contended > 0 ? `, ${contended} samples CONTENDED (idle gate not met)` : ''));
  console.log(JSON.stringify(result));
  return result;
}
