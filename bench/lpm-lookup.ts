// lpm-lookup: IPv4 longest-prefix lookups in bursts of 64, our Lpm4 (DIR-24-8) vs rte_lpm as
// dpdk-test-fib drives it (-c: rte_lpm_lookup_bulk, bursts of 64), same route table (100,000
// prefixes, /8../32, most /16../24) and the same 1,000,000 addresses, each inside a route.
// dpdk-test-fib reports TSC cycles per lookup; with the TSC frequency its EAL logs, that is
// lookups per second. Its trace reader stores inet_pton's network-order bytes in a host-order
// word (a quirk of the tool), so the trace file carries each address byte-swapped: both sides
// then look up exactly the same 32-bit values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Lpm4 } from '../src/apps/nf/lpm.js';
import { rng, routes4 } from '../test/lib/nf-corpus.js';
import { findOnPath } from '../test/lib/skip.js';
import { median, runBench } from './lib/harness.js';

export const description = 'IPv4 LPM lookups, 100,000 prefixes, bursts of 64, 1 core: our Lpm4 vs rte_lpm in dpdk-test-fib (M lookups/s)';

const fmt = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
const bswap = (x: number) => (((x & 255) << 24) | (((x >>> 8) & 255) << 16) | (((x >>> 16) & 255) << 8) | (x >>> 24)) >>> 0;

export default async () => {
  if (!findOnPath('dpdk-test-fib')) throw new Error('dpdk-test-fib is missing; install with: apt-get install -y dpdk');
  const nRoutes = 100000, nIps = 1000000; // nIps a multiple of 64: dpdk-test-fib looks up whole bursts
  const dir = mkdtempSync(join(tmpdir(), 'ringway-lpm-bench-'));
  try {
    const routes = routes4(nRoutes, 1 << 20, 3);
    const r = rng(4);
    const ips = new Uint32Array(nIps);
    for (let i = 0; i < nIps; i++) {
      const [ip, d] = routes[r() % nRoutes]!;
      const host = d === 32 ? 0 : (r() & ((1 << (32 - d)) - 1)) >>> 0;
      ips[i] = (ip | host) >>> 0;
    }
    writeFileSync(join(dir, 'routes'), routes.map(([ip, d, nh]) => `${fmt(ip)}/${d} ${nh}`).join('\n') + '\n');
    writeFileSync(join(dir, 'ips'), Array.from(ips, (x) => fmt(bswap(x))).join('\n') + '\n');
    // Same input, checked rather than assumed: dpdk-test-fib's dry run (-w, -u) writes back the
    // table and the addresses as it parsed them (host-order values, dotted); they must be ours.
    const eal = (tag: string) => ['--no-pci', '--no-huge', '-m', '1024', '-l', '1', `--file-prefix=ringway-fib-${tag}-${process.pid}`];
    const dry = spawnSync('dpdk-test-fib', [...eal('dry'), '--', '-f', join(dir, 'routes'), '-t', join(dir, 'ips'), '-w', join(dir, 'routes.seen'), '-u', join(dir, 'ips.seen')],
      { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
    rmSync(`/var/run/dpdk/ringway-fib-dry-${process.pid}`, { recursive: true, force: true });
    if (dry.status !== 0) throw new Error(`dpdk-test-fib dry run exited with ${dry.status}: ${`${dry.stdout}\n${dry.stderr}`.slice(-1500)}`);
    const seenRoutes = readFileSync(join(dir, 'routes.seen'), 'utf8'), seenIps = readFileSync(join(dir, 'ips.seen'), 'utf8');
    if (seenRoutes !== readFileSync(join(dir, 'routes'), 'utf8')) throw new Error('dpdk-test-fib parsed another route table than ours (routes.seen differs from routes)');
    if (seenIps !== Array.from(ips, fmt).join('\n') + '\n') throw new Error('dpdk-test-fib parsed other addresses than ours (ips.seen differs)');
    const lpm = new Lpm4({ groups: 1024, maxGroups: 1 << 17 });
    for (const [ip, d, nh] of routes) lpm.add(ip, d, nh);
    const out = new Int32Array(64);
    // One pass over the trace in bursts of 64, through Lpm4.lookupBurst (the native lookup, one
    // N-API call per burst) or lookupBurstJs (the lookup as a JS loop), for the context figure.
    const pass = (js: boolean): number => {
      let s = 0;
      if (js) for (let i = 0; i < nIps; i += 64) { lpm.lookupBurstJs(ips, out, 64, i); s = (s + out[0]!) | 0; }
      else for (let i = 0; i < nIps; i += 64) { lpm.lookupBurst(ips, out, 64, i); s = (s + out[0]!) | 0; }
      return s;
    };
    const timed = (js: boolean): number => {
      const t0 = performance.now();
      const s = pass(js);
      const dt = (performance.now() - t0) / 1000;
      if (s === 0.5) console.log(s); // keep the lookups observable
      return nIps / dt / 1e6;
    };
    const jsMlps: number[] = [];
    let tscKhz = 0, fibMlps = 0;
    return await runBench({
      name: 'lpm-lookup',
      unit: 'Mlookups/s',
      peer: 'rte_lpm_lookup_bulk (DPDK 22.11) in dpdk-test-fib -c, bursts of 64, 1 lcore',
      ours: async () => {
        // Warm the JIT and the caches as the peer's build did (its rte_fib pass over the same
        // trace runs just before the timed rte_lpm one), then one timed pass, as dpdk-test-fib
        // times one pass: its 1,000,000 lookups take ~10-30 ms, and a longer window of ours
        // would see more of the neighbours' load. The wall clock spans the whole pass (loop,
        // call, the JS around it); the peer sums rdtsc windows around each lookup_bulk call only.
        for (let k = 0; k < 3; k++) { pass(false); pass(true); }
        const v = timed(false);
        jsMlps.push(timed(true));
        return v;
      },
      theirs: async () => {
        const run = spawnSync('dpdk-test-fib', [...eal('run'), '--log-level=lib.eal:debug', '--',
          '-f', join(dir, 'routes'), '-t', join(dir, 'ips'), '-c', '-g', '131072'], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
        rmSync(`/var/run/dpdk/ringway-fib-run-${process.pid}`, { recursive: true, force: true }); // its runtime dir
        const o = `${run.stdout}\n${run.stderr}`; // the EAL logs (TSC frequency) go to stderr
        if (run.status !== 0) throw new Error(`dpdk-test-fib exited with ${run.status}: ${o.slice(-1500)}`);
        const tsc = /TSC frequency is ~(\d+) KHz/.exec(o), lpmc = /AVG LPM lookup ([\d.]+)/.exec(o), fibc = /AVG FIB lookup ([\d.]+)/.exec(o);
        if (!tsc || !lpmc || !fibc || !/FIB and LPM lookup returns same values/.test(o)) throw new Error(`dpdk-test-fib output not understood: ${o.slice(-1500)}`);
        tscKhz = Number(tsc[1]);
        fibMlps = (tscKhz * 1e3) / Number(fibc[1]) / 1e6;
        return (tscKhz * 1e3) / Number(lpmc[1]) / 1e6;
      },
      context: () => ({ routes: nRoutes, lookups: nIps, burst: 64, tsc_khz: tscKhz, rte_fib_dir24_8_mlps: Math.round(fibMlps * 1000) / 1000, ours_js_loop_mlps: Math.round(median(jsMlps) * 1000) / 1000, groups_used: lpm.trie.groupsUsed, same_input_checked: true }),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
