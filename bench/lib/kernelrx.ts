// af-packet / af-xdp: RX of 64-byte frames (60 bytes handed to the driver) over a veth pair, ours
// vs dpdk-testpmd rxonly on the same interface, with the same sender for both: testpmd txonly on
// the other end of the veth, through the same kind of driver (as ../shared/peers measured it:
// net_af_packet -> net_af_packet 0.47 Mpps, net_af_xdp -> net_af_xdp 0.82 Mpps at burst 64).
// Sender in namespace rwbench-tx-<pid> on CPU0, receiver in rwbench-rx-<pid> on CPU1; the sender
// restarts for every sample, so each side sees a fresh, identical sender. Everything is removed at
// the end (also on failure).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runBench, type BenchResult } from './harness.js';
import { testpmd } from './testpmd.js';

function env(name: string, dflt: number): number {
  const n = Number(process.env[name] ?? dflt);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

const sh = (args: string[]) => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function kernelRxBench(name: string, kind: 'af_packet' | 'af_xdp'): Promise<BenchResult> {
  const secs = env('BENCH_SECONDS', 5);
  const warm = 2;
  const burst = 64;
  const nsTx = `rwbench-tx-${process.pid}`, nsRx = `rwbench-rx-${process.pid}`;
  const a = `rwbta${process.pid % 10000}`, b = `rwbtb${process.pid % 10000}`;
  const vdev = (dev: string) => kind === 'af_packet' ? `net_af_packet0,iface=${dev}` : `net_af_xdp0,iface=${dev},start_queue=0,queue_count=1`;
  let senderN = 0;
  const startSender = async (): Promise<ChildProcess> => {
    const prefix = `ringway-bench-tx-${process.pid}-${++senderN}`;
    const p = spawn('ip', ['netns', 'exec', nsTx, 'dpdk-testpmd', '--lcores', '0@0,1@0', '--no-pci', '--file-prefix', prefix,
      '--no-huge', '-m', '512', '--vdev', vdev(a), '--', '--forward-mode=txonly', '--txpkts=60', `--burst=${burst}`,
      '--nb-cores=1', '--stats-period', '1', '--total-num-mbufs=16384'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    p.stdout!.on('data', (d) => (log += d));
    p.stderr!.on('data', (d) => (log += d));
    p.once('exit', () => rmSync(join('/var/run/dpdk', prefix), { recursive: true, force: true }));
    await sleep(3000); // EAL start-up, then txonly is running
    if (p.exitCode !== null) throw new Error(`sender testpmd exited early:\n${log.slice(-2000)}`);
    return p;
  };
  const stopSender = async (p: ChildProcess) => {
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGINT');
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    await done;
    clearTimeout(t);
  };
  const withSender = async <T>(f: () => Promise<T>): Promise<T> => {
    const s = await startSender();
    try {
      return await f();
    } finally {
      await stopSender(s);
    }
  };
  const noProgram = () => {
    try {
      sh(['-n', nsRx, 'link', 'set', b, 'xdp', 'off']); // a peer killed hard could leave libxdp's program
    } catch {
      // none attached
    }
  };

  let lastOurs: unknown;
  const theirs = async () => withSender(async () => {
    const r = await testpmd({
      vdevs: [vdev(b)], mode: 'rxonly', burst, seconds: secs, warmupSeconds: warm, netns: nsRx,
      ealCores: ['--lcores', '0@1,1@1'], memory: 'no-huge', extraArgs: ['--total-num-mbufs=16384'],
    });
    noProgram();
    console.log(`  testpmd rxonly ${kind}: ${r.mpps.toFixed(3)} Mpps per interval: ${r.perInterval.map((x) => x.toFixed(3)).join(' ')}`);
    return r.mpps;
  });
  const child = fileURLToPath(new URL('./kernel-rx-child.js', import.meta.url));
  const ours = async () => withSender(async () => {
    noProgram();
    const out = execFileSync('ip', ['netns', 'exec', nsRx, 'taskset', '-c', '1', process.execPath, child, `${kind}:${b}${process.env['BENCH_PORT_ARGS'] ?? ''}`, String(secs), String(warm), String(burst)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    lastOurs = r;
    if (r.audit.missing !== 0 || r.audit.duplicates !== 0) throw new Error(`buffers lost: ${JSON.stringify(r.audit)}`);
    console.log(`  ours ${kind}: ${r.mpps.toFixed(3)} Mpps per second: ${r.samples.map((x: number) => x.toFixed(3)).join(' ')}; ${JSON.stringify(r.stats)}`);
    return r.mpps as number;
  });

  sh(['netns', 'add', nsTx]);
  try {
    sh(['netns', 'add', nsRx]);
    sh(['-n', nsTx, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b, 'netns', nsRx]);
    sh(['-n', nsTx, 'link', 'set', a, 'up']);
    sh(['-n', nsRx, 'link', 'set', b, 'up']);
    return await runBench({
      name,
      unit: 'Mpps',
      peer: `dpdk-testpmd 22.11 rxonly, net_${kind} on the veth (burst ${burst}, 1 lcore on CPU1); sender: testpmd txonly net_${kind} on the peer veth (CPU0), 60 B frames`,
      ours,
      theirs,
      context: () => ({ burst, seconds: secs, frame_bytes: 60, port_args: process.env['BENCH_PORT_ARGS'] ?? '', last_ours: lastOurs }),
    });
  } finally {
    for (const ns of [nsTx, nsRx]) {
      try {
        sh(['netns', 'del', ns]);
      } catch {
        // not created
      }
    }
  }
}
