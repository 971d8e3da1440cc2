// Network namespaces and veth pairs for the kernel-interface port tests (iproute2). Everything a
// Lab creates carries this process's pid in its name and is removed by destroy(), which tests call
// in a finally; traffic stays inside the lab's namespaces (198.18.0.0/15 test addresses only).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { isRoot, requireTool } from '../lib/skip.js';

let seq = 0;

/** Skips (with the reason) unless root and iproute2 + python3 are there. */
export function labAvailable(t: TestContext): boolean {
  if (!isRoot()) {
    t.skip('skipped: needs root (network namespaces, veth pairs, raw sockets); run the tests as root');
    return false;
  }
  return requireTool(t, 'ip', 'apt-get install -y iproute2') && requireTool(t, 'python3', 'apt-get install -y python3');
}

/** Runs `body` with a fresh Lab (skipped, with the reason, without root or the tools) and destroys
 *  the lab afterwards whatever happened. */
export async function withLab(t: TestContext, body: (lab: Lab) => Promise<void>): Promise<void> {
  if (!labAvailable(t)) return;
  const lab = new Lab();
  try {
    await body(lab);
  } finally {
    lab.destroy();
  }
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export class Lab {
  readonly namespaces: string[] = [];
  private readonly children = new Set<ChildProcessWithoutNullStreams>();

  /** A namespace named rwtest-<pid>-<n>, with lo up and IPv6 off (no router solicitations in captures). */
  netns(): string {
    const ns = `rwtest-${process.pid}-${seq++}`;
    sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    for (const k of ['all', 'default']) sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    return ns;
  }

  /** A veth pair a <-> b with `queues` RX/TX queues on each end; a in nsA, b in nsB; both up. */
  veth(nsA: string, nsB: string, queues = 1): { a: string; b: string } {
    const n = seq++;
    const a = `rwa${process.pid % 10000}x${n}`, b = `rwb${process.pid % 10000}x${n}`;
    const q = ['numtxqueues', String(queues), 'numrxqueues', String(queues)];
    sh('ip', ['-n', nsA, 'link', 'add', a, ...q, 'type', 'veth', 'peer', 'name', b, ...q, 'netns', nsB]);
    sh('ip', ['-n', nsA, 'link', 'set', a, 'up']);
    sh('ip', ['-n', nsB, 'link', 'set', b, 'up']);
    return { a, b };
  }

  /** Runs a command inside ns. */
  exec(ns: string, cmd: string, args: string[]): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** Starts the port agent (agent.ts) inside ns (behind `wrapper`, e.g. setpriv); it prints one JSON object per line. */
  agent(ns: string, cfg: AgentConfig, wrapper: string[] = []): Agent {
    const path = fileURLToPath(new URL('./agent.js', import.meta.url));
    const p = spawn('ip', ['netns', 'exec', ns, ...wrapper, process.execPath, path, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(p);
    p.once('exit', () => this.children.delete(p));
    return new Agent(p);
  }

  /** Kills what is still running, deletes the namespaces (and with them every veth and TAP in them). */
  destroy(): void {
    for (const c of this.children) c.kill('SIGKILL');
    for (const ns of this.namespaces.splice(0)) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        // already gone
      }
    }
  }
}

export interface AgentConfig {
  spec: string;
  queues?: number;
  buffers?: number;
}

/** A node process holding one port inside a namespace, driven by JSON commands on stdin. */
export class Agent {
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  stderr = '';
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly proc: ChildProcessWithoutNullStreams) {
    createInterface({ input: proc.stdout }).on('line', (l) => {
      this.lines.push(l);
      for (const w of this.waiters.splice(0)) w();
    });
    proc.stderr.on('data', (d) => (this.stderr += String(d)));
    this.exited = new Promise((res) => proc.once('exit', (code, signal) => {
      for (const w of this.waiters.splice(0)) w();
      res({ code, signal });
    }));
  }

  /** The next JSON line (rejects on exit or after timeoutMs). */
  // the agent's replies differ per command; tests read the fields they asked for
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async next(timeoutMs = 20000): Promise<any> {
    const t0 = Date.now();
    while (this.lines.length === 0) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) throw new Error(`agent exited: ${this.stderr}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`agent timed out; stderr: ${this.stderr}`);
      await new Promise<void>((res) => {
        this.waiters.push(res);
        setTimeout(res, 200);
      });
    }
    const o = JSON.parse(this.lines.shift()!);
    if (o.error) throw Object.assign(new Error(o.error), { code: o.code });
    return o;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async cmd(c: object, timeoutMs?: number): Promise<any> {
    this.proc.stdin.write(JSON.stringify(c) + '\n');
    return this.next(timeoutMs);
  }
}

/** Test frames: Ethernet + IPv4 + UDP (198.18.0.1 -> 198.18.0.2, source port varies per flow), a payload pattern. */
export function udpFrame(i: number, flow: number, len = 60 + ((i * 37) % 400)): Buffer {
  const f = Buffer.alloc(len);
  Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]).copy(f, 0);
  const ipLen = len - 14;
  Buffer.from([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2]).copy(f, 14);
  let sum = 0;
  for (let k = 14; k < 34; k += 2) sum += f.readUInt16BE(k);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  f.writeUInt16BE(~sum & 0xffff, 24);
  f.writeUInt16BE(10000 + flow, 34);
  f.writeUInt16BE(9, 36);
  f.writeUInt16BE(ipLen - 20, 38);
  for (let k = 42; k < len; k++) f[k] = (i * 7 + k) & 0xff;
  f.writeUInt32BE(i, 42); // sequence number
  return f;
}

/** Sends frames (hex) from interface `iface` in ns with a python3 raw socket. */
export function pySend(lab: Lab, ns: string, iface: string, frames: Buffer[]): void {
  const py = 'import socket,sys\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW)\ns.bind((sys.argv[1],0))\n' +
    'for h in sys.stdin.read().split():\n  s.send(bytes.fromhex(h))\n';
  execFileSync('ip', ['netns', 'exec', ns, 'python3', '-c', py, iface], { input: frames.map((f) => f.toString('hex')).join('\n') });
}

/** Starts a python3 capture on iface in ns: resolves with the frames (hex) of ethertype 0x0800 seen within ms. */
export function pyCapture(ns: string, iface: string, ms: number): { ready: Promise<void>; frames: Promise<string[]> } {
  const py = 'import socket,sys,time\ns=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(3))\ns.bind((sys.argv[1],0))\n' +
    's.settimeout(0.05)\nprint("ready",flush=True)\nend=time.time()+float(sys.argv[2])\n' +
    'while time.time()<end:\n  try:\n    d,a=s.recvfrom(65536)\n  except socket.timeout:\n    continue\n' +
    '  if a[2]!=socket.PACKET_OUTGOING and d[12:14]==b"\\x08\\x00": print(d.hex(),flush=True)\n';
  const p = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', py, iface, String(ms / 1000)]);
  const out: string[] = [];
  let ready!: () => void;
  const r = new Promise<void>((res) => (ready = res));
  createInterface({ input: p.stdout }).on('line', (l) => (l === 'ready' ? ready() : out.push(l)));
  return { ready: r, frames: new Promise((res) => p.once('exit', () => res(out))) };
}

/** A frame as the agent reports it (hex). */
export const hex = (b: Buffer): string => b.toString('hex');

/** What the agent received: [queue, frame hex] per frame, in arrival order. */
export type Received = Array<[number, string]>;

/**
 * kernel -> port: the agent starts receiving `frames.length` frames, then python3 sends them out
 * of `from` in ns. Checks that every received packet's META_PORT and META_QUEUE name the port and
 * the queue, and returns the agent's reply (frames, stats, other: foreign frames it skipped).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function kernelToPort(lab: Lab, ag: Agent, ns: string, from: string, frames: Buffer[]): Promise<any> {
  const rxp = ag.cmd({ cmd: 'rx', count: frames.length, timeoutMs: 8000 });
  await new Promise((r) => setTimeout(r, 200)); // the agent polls before the first frame leaves
  pySend(lab, ns, from, frames);
  const got = await rxp;
  assert.equal(got.badMeta, 0, 'META_PORT and META_QUEUE name this port and the queue');
  return got;
}

/** The received frames' hex, in arrival order (`sorted`: for several queues, whose order interleaves). */
export function receivedHex(got: { frames: Received }, sorted = false): string[] {
  const h = got.frames.map((f) => f[1]);
  return sorted ? h.sort() : h;
}

/**
 * port -> kernel: a python3 capture on `on` in ns, then the agent sends `frames`. Checks that the
 * port accepted and counted every frame and that the kernel side saw each, in order; returns the
 * agent's reply.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function portToKernel(ag: Agent, ns: string, on: string, frames: Buffer[]): Promise<any> {
  const cap = pyCapture(ns, on, 3000);
  await cap.ready;
  const sent = await ag.cmd({ cmd: 'tx', frames: frames.map(hex) });
  assert.equal(sent.sent, frames.length);
  assert.equal(sent.stats.opackets, frames.length);
  assert.deepEqual(await cap.frames, frames.map(hex), 'the kernel side sees what the port sent');
  return sent;
}
