// Runs DPDK's dpdk-testpmd as a child process and reports its forwarding rate: the peer that
// our datapath benchmarks are compared against. Needs root (hugepage mount, /var/run/dpdk).
//
// What is counted: testpmd's --stats-period output gives, per stats interval and per port,
// "Rx-pps" (packets received by that port, divided by the interval's measured length) and
// "Tx-pps". For io/mac/macswap forwarding between two ports on one core, every forwarded packet
// is received once, on one of the ports, so the forwarding rate is the Rx-pps SUMMED over all
// ports; that is the figure DPDK users quote (net_null io fwd ~108 Mpps here = 2 x ~54 Mpps per
// port). For txonly nothing is received, so Tx-pps is summed instead.
//
// Timing: with --stats-period 1, testpmd 22.11 prints every ~2 s on this VM, not every 1 s (its
// stats loop sleeps 1 s and then compares elapsed TSC cycles against exactly 1 s, and misses by
// a hair every other time). The rates stay right since they are divided by the measured
// interval, but "seconds" below are wall-clock seconds of stats, not a count of blocks.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { median } from './harness.js';

export const TESTPMD_INSTALL = 'apt-get install -y dpdk-dev librte-net-null23 librte-mempool-ring23';

export type TestpmdMemory = 'hugepages' | 'no-huge';

export interface TestpmdOptions {
  /** Virtual devices, one port each, e.g. ['net_null0', 'net_null1']. */
  vdevs: string[];
  /** testpmd --forward-mode: 'io', 'mac', 'macswap', 'rxonly', 'txonly', ... */
  mode: string;
  /** Packets per burst (--burst). Default 32. */
  burst?: number;
  /** Steady-state seconds to sample, after the warm-up. Default 5. */
  seconds?: number;
  /** Seconds of forwarding skipped before sampling (first intervals are partial or cold). Default 2. */
  warmupSeconds?: number;
  /** EAL -l list: main lcore first, then forwarding lcores. Default '0,1' = main on CPU0, ONE forwarding core on CPU1. */
  lcores?: string;
  /** 'auto' (default) uses hugepages when enough are free and hugetlbfs can be mounted, else --no-huge. */
  memory?: 'auto' | TestpmdMemory;
  /** More testpmd application arguments (after the EAL's "--"). */
  extraArgs?: string[];
  /** Run inside this network namespace (`ip netns exec NS dpdk-testpmd ...`): the kernel-port benches' veths live there. */
  netns?: string;
  /** Raw EAL core arguments replacing `-l lcores`, e.g. ['--lcores', '0@1,1@1']. */
  ealCores?: string[];
}

export interface TestpmdResult {
  /** Median of the steady-state per-second forwarding rates, Mpps. */
  mpps: number;
  memory: TestpmdMemory;
  /** Which per-port counter was summed: rx (forwarding modes) or tx (txonly). */
  counted: 'rx' | 'tx';
  /** The sampled rates, Mpps, one per stats interval, in order. */
  perInterval: number[];
  /** Wall-clock seconds the samples cover. */
  sampledSeconds: number;
  /** The full command line, for the record. */
  command: string[];
}

/** Free 2 MiB hugepages needed: testpmd's default mbuf pool (~155k x 2176 B) took ~185 pages here. */
const HUGE_MIN_BYTES = 512 * 1024 * 1024;
/** --no-huge needs an explicit size, else the mbuf pool allocation fails. */
const NOHUGE_MB = 1024;

let runCounter = 0;

/** Runs testpmd once; resolves with its forwarding rate, rejects with the tail of its output on failure. */
export async function testpmd(opts: TestpmdOptions): Promise<TestpmdResult> {
  const binary = findOnPath('dpdk-testpmd');
  if (binary === undefined) throw new Error(`dpdk-testpmd not found on PATH; install with: ${TESTPMD_INSTALL}`);

  const burst = opts.burst ?? 32;
  const seconds = opts.seconds ?? 5;
  const warmup = opts.warmupSeconds ?? 2;
  const counted = opts.mode === 'txonly' ? 'tx' : 'rx';
  // Unique per run so that concurrent runs (another engineer, a crashed earlier run) never share EAL state.
  const prefix = `ringway-bench-${process.pid}-${++runCounter}`;

  const mem = setUpMemory(opts.memory ?? 'auto');
  try {
    const command = [
      ...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []),
      binary, ...(opts.ealCores ?? ['-l', opts.lcores ?? '0,1']), '--no-pci', '--file-prefix', prefix, ...mem.eal,
      ...opts.vdevs.flatMap((v) => ['--vdev', v]),
      '--', `--forward-mode=${opts.mode}`, `--burst=${burst}`, '--nb-cores=1', '--stats-period', '1',
      ...(opts.extraArgs ?? []),
    ];
    const sampled = await runUntilSampled(command, opts.vdevs.length, counted, warmup * 1000, seconds * 1000);
    const perInterval = sampled.rates.map((pps) => pps / 1e6);
    return { mpps: median(perInterval), memory: mem.memory, counted, perInterval, sampledSeconds: sampled.ms / 1000, command };
  } finally {
    mem.cleanUp();
    // EAL leaves its runtime dir (sockets, fbarrays) behind; only ours, by exact prefix.
    rmSync(join('/var/run/dpdk', prefix), { recursive: true, force: true });
  }
}

/**
 * Parses testpmd --stats-period output into one rate per complete stats block (pps summed over
 * `ports` ports), dropping leading all-zero blocks: the first block after start has no previous
 * one to diff against, and with --no-huge forwarding starts a few seconds late.
 */
export function parseStatsRates(output: string, ports: number, counted: 'rx' | 'tx'): number[] {
  const key = counted === 'rx' ? 'Rx-pps:' : 'Tx-pps:';
  const rates: number[] = [];
  for (const block of output.split('Port statistics').slice(1)) {
    const rx = [...block.matchAll(/Rx-pps:\s+(\d+)/g)];
    const tx = [...block.matchAll(/Tx-pps:\s+(\d+)/g)];
    if (rx.length < ports || tx.length < ports) break; // still being written
    const values = (key === 'Rx-pps:' ? rx : tx).slice(0, ports).map((m) => Number(m[1]));
    const sum = values.reduce((a, b) => a + b, 0);
    if (sum === 0 && rates.length === 0) continue;
    rates.push(sum);
  }
  return rates;
}

/** One complete stats block: its summed rate (pps) and when we read it (ms, any clock). */
export interface StatsBlock { pps: number; at: number }

/** Blocks whose interval starts this close before the warm-up end still count as steady. */
const SLACK_MS = 250;

/**
 * Picks the steady-state blocks, or undefined if they do not yet cover `seconds`. Block 0 is
 * never used (forwarding started somewhere inside it); block j covers (blocks[j-1].at, blocks[j].at].
 * Blocks starting before blocks[0].at + warmupMs are skipped; then blocks are taken until they
 * cover secondsMs.
 */
export function steadyState(blocks: readonly StatsBlock[], warmupMs: number, secondsMs: number): { rates: number[]; ms: number } | undefined {
  const at = blocks.map((b) => b.at);
  const t0 = at[0];
  if (t0 === undefined) return undefined;
  // first: index of the first steady block; its interval starts at at[first - 1]
  const first = at.findIndex((_, j) => j >= 1 && (at[j - 1] as number) >= t0 + warmupMs - SLACK_MS);
  if (first < 0) return undefined;
  const start = at[first - 1] as number;
  const last = at.findIndex((t, j) => j >= first && t - start >= secondsMs - SLACK_MS);
  if (last < 0) return undefined;
  return { rates: blocks.slice(first, last + 1).map((b) => b.pps), ms: (at[last] as number) - start };
}

/** Spawns testpmd, SIGINTs it once the steady-state samples are in, resolves with them. */
function runUntilSampled(command: string[], ports: number, counted: 'rx' | 'tx', warmupMs: number, secondsMs: number): Promise<{ rates: number[]; ms: number }> {
  const [bin, ...args] = command as [string, ...string[]];
  // Start-up takes ~1 s with hugepages and ~2-4 s with --no-huge; a stalled run must still end.
  const deadlineMs = 60_000 + 3 * (warmupMs + secondsMs);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let log = ''; // stdout and stderr interleaved, for error messages
    const blocks: StatsBlock[] = [];
    let result: { rates: number[]; ms: number } | undefined;
    let killer: NodeJS.Timeout | undefined;
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      child.kill('SIGINT'); // testpmd's own clean shutdown path; it re-raises SIGINT when done
      killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    };
    const deadline = setTimeout(stop, deadlineMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      log += chunk;
      if (stopping) return;
      // testpmd flushes after each stats block, so arrival time = print time (+ pipe latency).
      const now = Date.now();
      for (const pps of parseStatsRates(stdout, ports, counted).slice(blocks.length)) blocks.push({ pps, at: now });
      result = steadyState(blocks, warmupMs, secondsMs);
      if (result !== undefined) stop();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (log += chunk));
    child.on('error', (err) => {
      clearTimeout(deadline);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      clearTimeout(killer);
      if (result !== undefined) return resolve(result);
      reject(new Error(failureMessage(command, code, signal, blocks.length, log)));
    });
  });
}

function failureMessage(command: string[], code: number | null, signal: string | null, got: number, log: string): string {
  const tail = log.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim().split('\n').slice(-25).join('\n');
  // A missing PMD shows up as an unparsable --vdev; a missing mempool driver as a pool failure.
  const hint = /failed to parse device|mempool|No probed ethernet devices/i.test(log) ? `\n(a DPDK driver may be missing; install with: ${TESTPMD_INSTALL})` : '';
  return `dpdk-testpmd ended (code ${code}, signal ${signal}) before enough stats (got ${got} non-zero blocks)\n` +
    `command: ${command.join(' ')}\n--- last output ---\n${tail}${hint}`;
}

interface Memory { memory: TestpmdMemory; eal: string[]; cleanUp: () => void }

function setUpMemory(wanted: 'auto' | TestpmdMemory): Memory {
  const noHuge: Memory = { memory: 'no-huge', eal: ['--no-huge', '-m', String(NOHUGE_MB)], cleanUp: () => {} };
  if (wanted === 'no-huge') return noHuge;
  const why = hugepagesShortfall();
  if (why === undefined) {
    try {
      return mountHugetlbfs();
    } catch (err) {
      if (wanted === 'hugepages') throw err;
      console.error(`testpmd: hugetlbfs mount failed (${(err as Error).message.split('\n')[0]}); using --no-huge`);
      return noHuge;
    }
  }
  if (wanted === 'hugepages') throw new Error(`testpmd: hugepages requested but ${why}`);
  return noHuge;
}

/** Why hugepages cannot be used, or undefined if enough are free. */
function hugepagesShortfall(): string | undefined {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(meminfo)?.[1] ?? 0);
  const total = field('HugePages_Total');
  const freeBytes = field('HugePages_Free') * field('Hugepagesize') * 1024;
  if (total === 0) return 'none are reserved (echo 512 > /proc/sys/vm/nr_hugepages)';
  if (freeBytes < HUGE_MIN_BYTES) return `only ${freeBytes >> 20} MiB of hugepages are free, need ${HUGE_MIN_BYTES >> 20}`;
  return undefined;
}

/** A hugetlbfs of our own (not the system's /dev/hugepages): unmounting it frees every page EAL left. */
function mountHugetlbfs(): Memory {
  const dir = mkdtempSync('/tmp/ringway-hugepages-');
  try {
    execFileSync('mount', ['-t', 'hugetlbfs', 'nodev', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const cleanUp = () => {
    try {
      execFileSync('umount', [dir], { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    } catch {
      console.error(`testpmd: could not unmount ${dir}; run: umount ${dir}`);
    }
  };
  return { memory: 'hugepages', eal: ['--huge-dir', dir], cleanUp };
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
