// DPDK's own example applications as benchmark peers: built from the sources Debian's dpdk-doc
// ships (/usr/share/dpdk/examples/) with their Makefile against libdpdk-dev (pkg-config libdpdk),
// into a scratch directory that is removed afterwards (no binary is ever committed), run with
// --no-pci on the host, and measured through their telemetry socket (they print no rates).
//
// What the examples need on virtual ports here (../shared/peers is not a dependency; the facts
// are repeated where they are used): l3fwd asks for RX checksum offload unconditionally, which
// net_pcap / net_null refuse (err=-22), so the build patches that one request out; virtual PMDs
// report no packet types (--parse-ptype); l3fwd makes one TX queue per lcore and net_pcap has one,
// so forwarding runs on the main lcore alone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath } from '../../test/lib/skip.js';

export const EXAMPLES = '/usr/share/dpdk/examples';
export const DPDK_EXAMPLES_INSTALL = 'apt-get install -y dpdk-doc libdpdk-dev pkg-config make gcc librte-net-pcap23 librte-net-null23 python3';

/** Why an example cannot be built here, or undefined if it can. */
export function cannotBuild(example: string): string | undefined {
  if (!existsSync(join(EXAMPLES, example, 'Makefile'))) return `${EXAMPLES}/${example} is missing (its sources come with dpdk-doc); install with: ${DPDK_EXAMPLES_INSTALL}`;
  for (const t of ['make', 'pkg-config', 'cc', 'python3']) if (findOnPath(t) === undefined) return `${t} is missing; install with: ${DPDK_EXAMPLES_INSTALL}`;
  try {
    execFileSync('pkg-config', ['--exists', 'libdpdk']);
  } catch {
    return `pkg-config finds no libdpdk; install with: ${DPDK_EXAMPLES_INSTALL}`;
  }
  return undefined;
}

export interface Built { dir: string; binary: string; cleanup(): void }

/**
 * Copies examples/NAME and examples/common side by side (the sources include ../common) into a
 * scratch directory, applies `patch` to named files, and runs make. Throws with the reason if
 * the build cannot happen.
 */
export function buildExample(name: string, patch: Record<string, (src: string) => string> = {}): Built {
  const why = cannotBuild(name);
  if (why) throw new Error(`cannot build DPDK's ${name}: ${why}`);
  const dir = mkdtempSync(join(tmpdir(), `ringway-${name}-`));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    cpSync(join(EXAMPLES, name), join(dir, name), { recursive: true });
    cpSync(join(EXAMPLES, 'common'), join(dir, 'common'), { recursive: true });
    for (const [file, fn] of Object.entries(patch)) {
      const p = join(dir, name, file);
      const before = readFileSync(p, 'utf8');
      const after = fn(before);
      if (after === before) throw new Error(`patch of ${name}/${file} changed nothing: the sources differ from DPDK 22.11's`);
      writeFileSync(p, after);
    }
    execFileSync('make', ['-j2'], { cwd: join(dir, name), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
    return { dir, binary: join(dir, name, 'build', name), cleanup };
  } catch (e) {
    cleanup();
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`building DPDK's ${name} failed: ${err.stderr?.toString().slice(-2000) ?? err.message}`);
  }
}

/** Port counters of a running DPDK process through its telemetry socket (SOCK_SEQPACKET, which
 *  Node cannot open: a short python3 client does). */
export function telemetryStats(prefix: string, ports: number[]): Array<{ ipackets: number; opackets: number; imissed: number }> {
  const sock = `/var/run/dpdk/${prefix}/dpdk_telemetry.v2`;
  const py = `
import socket, json, sys
out = []
for p in ${JSON.stringify(ports)}:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(${JSON.stringify(sock)})
    s.recv(4096)
    s.send(('/ethdev/stats,%d' % p).encode())
    out.append(json.loads(s.recv(1 << 16).decode())['/ethdev/stats'])
    s.close()
print(json.dumps(out))`;
  return JSON.parse(execFileSync('python3', ['-c', py], { encoding: 'utf8' })) as Array<{ ipackets: number; opackets: number; imissed: number }>;
}

/**
 * Runs a DPDK application, waits until its telemetry answers and `warmupS` passed, then samples
 * the sum of `count` over `ports` across `seconds`; returns Mpps and kills it (SIGINT, as its
 * signal handler expects).
 */
export async function measureDpdk(binary: string, args: string[], ports: number[], count: 'opackets' | 'ipackets', seconds: number, warmupS = 2): Promise<number> {
  const prefix = `ringway-bench-${process.pid}`;
  const full = ['--file-prefix', prefix, ...args];
  const child: ChildProcess = spawn(binary, full, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-8000); });
  child.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-8000); });
  const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  let done = false;
  void exited.then(() => { done = true; });
  try {
    const t0 = Date.now();
    for (;;) {
      if (done) throw new Error(`${binary} exited before it forwarded: ${log.slice(-1500)}`);
      try {
        telemetryStats(prefix, ports);
        break;
      } catch {
        if (Date.now() - t0 > 60000) throw new Error(`no telemetry from ${binary} within 60 s: ${log.slice(-1500)}`);
        await sleep(200);
      }
    }
    await sleep(warmupS * 1000);
    const sum = (s: ReturnType<typeof telemetryStats>) => s.reduce((a, x) => a + x[count], 0);
    const a = sum(telemetryStats(prefix, ports));
    const ta = performance.now();
    await sleep(seconds * 1000);
    const b = sum(telemetryStats(prefix, ports));
    const tb = performance.now();
    if (done) throw new Error(`${binary} exited during the measurement: ${log.slice(-1500)}`);
    return (b - a) / ((tb - ta) / 1000) / 1e6;
  } finally {
    if (!done) {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(`/var/run/dpdk/${prefix}`, { recursive: true, force: true });
  }
}

/** l3fwd built for virtual ports (see the file comment). */
export function buildL3fwd(): Built {
  return buildExample('l3fwd', {
    'main.c': (s) => s.replace('.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,', '.offloads = 0, /* ringway bench: virtual PMDs refuse RX checksum offload */'),
  });
}
