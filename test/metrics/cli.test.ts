// `ringway top`, `stats --json` and `capture` against a datapath running in another process
// (`ringway fwd`), and the bad inputs: a capture of a port that does not exist, a stale control
// socket from a killed process, a second datapath on the same metrics address. In each, the
// running datapath keeps forwarding.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcapngWriter } from '../../src/metrics/pcapng.js';
import { socketPath } from '../../src/metrics/control.js';
import type { Snapshot } from '../../src/metrics/sources.js';
import { requireTool } from '../lib/skip.js';

const CLI = fileURLToPath(new URL('../../src/cli/ringway.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringway-cli-'));
test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Fwd { child: ChildProcess; lines: Array<[number, string]>; exited: Promise<number | null> }

/** Starts `ringway fwd ARGS` and resolves once it prints "forwarding: ready". */
async function startFwd(args: string[]): Promise<Fwd> {
  const child = spawn(process.execPath, [CLI, 'fwd', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<[number, string]> = [];
  let err = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  await new Promise<void>((res, rej) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += d;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) {
        const l = buf.slice(0, i);
        lines.push([Date.now(), l]);
        if (l === 'forwarding: ready') res();
      }
    });
    child.stderr!.on('data', (d) => { err += d; });
    void exited.then((c) => rej(new Error(`ringway fwd exited (${c}) before ready:\n${lines.map((l) => l[1]).join('\n')}\n${err}`)));
  });
  return { child, lines, exited };
}

/** Runs `ringway ARGS` without blocking this process (the forwarder's output keeps arriving). */
async function ringway(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const c = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '', stderr = '';
  c.stdout.on('data', (d) => { stdout += d; });
  c.stderr.on('data', (d) => { stderr += d; });
  const status = await new Promise<number | null>((r) => c.once('close', (code) => r(code)));
  return { status, stdout, stderr };
}

async function stats(name: string): Promise<Snapshot> {
  const r = await ringway(['stats', '--json', '--name', name]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Snapshot;
}

async function stop(f: Fwd): Promise<void> {
  if (f.child.exitCode === null && f.child.signalCode === null) f.child.kill('SIGINT');
  await f.exited;
}

test('ringway top and stats --json attach to a running ringway fwd: top\'s rates match the forwarder\'s', { timeout: 90_000 }, async () => {
  const name = `t-top-${process.pid}`;
  const f = await startFwd(['--control', name, '--queues', '2', '--duration', '12']);
  try {
    const s = (await stats(name));
    assert.equal(s.pid, f.child.pid, 'the snapshot is the forwarder\'s');
    assert.deepEqual(s.ports.map((p) => p.name), ['a', 'b']);
    assert.equal(s.ports[0]!.queues.length, 2);
    const top = await ringway(['top', '--name', name, '--count', '5']);
    assert.equal(top.status, 0, top.stderr);
    const screens = top.stdout.trim().split('\n\n');
    assert.equal(screens.length, 5, `5 refreshes:\n${top.stdout}`);
    // the window top measured over, on the datapath's clock: "HH:MM:SS.mmm UTC, over S s"
    const stamp = (sc: string): { end: number; over: number } => {
      const m = /(\d\d:\d\d:\d\d\.\d{3}) UTC, over ([\d.]+) s/.exec(sc);
      assert.ok(m, `header in:\n${sc}`);
      return { end: Date.parse(`${new Date().toISOString().slice(0, 10)}T${m[1]}Z`), over: Number(m[2]) * 1000 };
    };
    const winStart = stamp(screens[0]!).end - stamp(screens[0]!).over, winEnd = stamp(screens[4]!).end;
    // top: per queue, a's rx + b's rx is what the forwarder moved on that queue
    const topRate = [0, 1].map((q) => {
      const per = screens.map((sc) => ['a', 'b'].reduce((sum, p) => {
        const m = new RegExp(`^${p}\\s+${q}\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)`, 'm').exec(sc);
        assert.ok(m, `port ${p} queue ${q} row in:\n${sc}`);
        assert.ok(Math.abs(Number(m[2]) - (Number(m[1]) * 64 * 8) / 1000) < 0.01 + Number(m[2]) * 0.01, 'Gbps = Mpps * 64 bytes * 8');
        return sum + Number(m[1]);
      }, 0));
      return per.reduce((x, y) => x + y, 0) / per.length;
    });
    assert.match(screens[0]!, /^pool fwd: \d+\/\d+ buffers in use/m);
    // the forwarder's own per-second lines whose second lies inside top's window
    // ("[  3 s] 40.1 Mpps  (q0 20.0  q1 20.1)", printed at the end of its second)
    const own = f.lines.filter(([t, l]) => l.startsWith('[') && t - 1000 >= winStart - 150 && t <= winEnd + 150);
    assert.ok(own.length >= 2, `forwarder lines during top: ${own.length}`);
    for (const q of [0, 1]) {
      const vals = own.map(([, l]) => Number(new RegExp(`q${q} ([\\d.]+)`).exec(l)![1]));
      const fwdRate = vals.reduce((x, y) => x + y, 0) / vals.length;
      console.log(`# queue ${q}: top ${topRate[q]!.toFixed(2)} Mpps, forwarder ${fwdRate.toFixed(2)} Mpps`);
      assert.ok(Math.abs(topRate[q]! / fwdRate - 1) < 0.15, `queue ${q}: top ${topRate[q]} vs forwarder ${fwdRate} Mpps`);
    }
  } finally {
    await stop(f);
  }
});

test('ringway top on a terminal (tmux) redraws one screen in place each second', { timeout: 60_000 }, async (t) => {
  if (!requireTool(t, 'tmux', 'apt-get install -y tmux')) return;
  const name = `t-tty-${process.pid}`;
  const session = `ringway-top-${process.pid}`;
  const f = await startFwd(['--control', name, '--duration', '20']);
  try {
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', `${process.execPath} ${CLI} top --name ${name}`]);
    await new Promise((r) => setTimeout(r, 3500));
    const screen = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
    assert.equal(screen.match(/ringway top: pid/g)?.length, 1, `one screen, redrawn in place:\n${screen}`);
    const row = /^a\s+0\s+([\d.]+)\s+([\d.]+)/m.exec(screen);
    assert.ok(row && Number(row[1]) > 0, `port a queue 0 has a rate:\n${screen}`);
    assert.match(screen, /^pool fwd: \d+\/\d+ buffers in use/m);
  } finally {
    try {
      execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    } catch {
      // already gone
    }
    await stop(f);
  }
});

/** 50 distinct frames (sequence number in bytes 14..15), 60..1000 bytes. */
function frames(): Uint8Array[] {
  return Array.from({ length: 50 }, (_, i) => {
    const len = 60 + ((i * 97) % 941);
    const b = new Uint8Array(len);
    b.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xb5, i >> 8, i & 0xff]);
    for (let k = 16; k < len; k++) b[k] = (i * 13 + k) & 0xff;
    return b;
  });
}

test('ringway capture mirrors a port queue of a running forwarder into pcapng: tshark reads the frames that passed', { timeout: 90_000 }, async (t) => {
  if (!requireTool(t, 'tshark', 'apt-get install -y tshark')) return;
  const input = path.join(tmp, 'in.pcapng');
  const fr = frames();
  const w = new PcapngWriter(input, 'gen', 65535);
  fr.forEach((b, i) => w.write(1e12 + i, b, b.length));
  w.close();
  const name = `t-cap-${process.pid}`;
  const f = await startFwd(['--control', name, '--a', `pcap:rx=${input},loop=1`, '--b', `pcap:tx=${path.join(tmp, 'out.pcap')}`, '--duration', '30']);
  try {
    const out = path.join(tmp, 'cap.pcapng');
    const r = await ringway(['capture', '--name', name, '--port', 'a', '--queue', '0', '-c', '500', '-w', out]);
    assert.equal(r.status, 0, r.stderr);
    const m = /(\d+) packets written to .*; (\d+) not copied/.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(Number(m[1]), 500);
    const dropped = Number(m[2]);
    // tshark reads it: 500 frames, each byte for byte one of the replayed frames, in replay order
    const rows = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.len', '-e', 'eth.type', '-e', 'data.data'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 }).trim().split('\n');
    assert.equal(rows.length, 500, 'tshark counts 500 frames');
    let prev = -1, gaps = 0;
    for (const row of rows) {
      const [len, type, data] = row.split('\t');
      assert.equal(type, '0x88b5');
      const payload = Buffer.from(data!.replace(/:/g, ''), 'hex');
      const seq = payload.readUInt16BE(0);
      assert.ok(seq < fr.length, `sequence ${seq}`);
      assert.equal(Number(len), fr[seq]!.length, `frame ${seq} length`);
      assert.ok(payload.equals(Buffer.from(fr[seq]!.subarray(14))), `captured frame equals replayed frame ${seq}, byte for byte`);
      if (prev >= 0) gaps += (seq - prev - 1 + fr.length) % fr.length;
      prev = seq;
    }
    assert.ok(gaps <= dropped, `frames missing between captured ones (${gaps}) are ones the capture reported not copied (${dropped})`);
    // pcap RX replays as fast as it can (~0.4 Mpps here); the capture keeps up and loses nothing
    // at this rate on an idle machine; under load the gaps are exactly the reported skips
    // the datapath kept forwarding: its counters still rise after the capture
    const s1 = (await stats(name)).ports[0]!.queues[0]!.ipackets;
    await new Promise((res) => setTimeout(res, 300));
    assert.ok((await stats(name)).ports[0]!.queues[0]!.ipackets > s1, 'still forwarding');
    assert.equal((await stats(name)).ports[0]!.captureQueue, -1, 'disarmed after the capture');
  } finally {
    await stop(f);
  }
});

test('bad input: a capture of a missing port, a stale control socket, a taken metrics address; the datapath keeps running', { timeout: 120_000 }, async () => {
  const name = `t-bad-${process.pid}`;
  // a killed datapath leaves its socket: top says it is stale; the next datapath replaces it
  const dead = await startFwd(['--control', name]);
  dead.child.kill('SIGKILL');
  await dead.exited;
  assert.ok(fs.existsSync(socketPath(name)), 'SIGKILL left the socket');
  const stale = await ringway(['top', '--name', name, '--count', '1']);
  assert.equal(stale.status, 1);
  assert.match(stale.stderr, /no datapath is listening on .*: the socket is stale \(its process exited\)/);
  const f = await startFwd(['--control', name, '--metrics', '127.0.0.1:0']);
  try {
    assert.ok(f.lines.some(([, l]) => /^control: replaced a stale socket /.test(l)), 'says it replaced the stale socket');
    const url = /^metrics: (http:\S+)/m.exec(f.lines.map((l) => l[1]).join('\n'))![1]!;
    // capture of a port that does not exist: names the ports there are
    const bad = await ringway(['capture', '--name', name, '--port', 'nosuch', '-c', '1', '-w', path.join(tmp, 'x.pcapng')]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /no port 'nosuch' in this datapath; its ports are: a, b/);
    const badq = await ringway(['capture', '--name', name, '--port', 'a', '--queue', '3', '-c', '1', '-w', path.join(tmp, 'x.pcapng')]);
    assert.match(badq.stderr, /port 'a' has queues 0\.\.0; queue 3 does not exist/);
    // a second datapath on the same metrics address and the same control socket name
    const port = new URL(url).port;
    const second = await ringway(['fwd', '--control', `${name}-2`, '--metrics', `127.0.0.1:${port}`, '--duration', '1']);
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`metrics address 127.0.0.1:${port} is already in use .*choose a free one with --metrics HOST:PORT`));
    // the default name steps aside instead: a second `ringway fwd` without --control runs
    const dflt = await startFwd(['--duration', '30']);
    const dflt2 = await startFwd(['--duration', '30']);
    try {
      assert.ok(dflt.lines.some(([, l]) => /^control: \S+\/ringway\.sock /.test(l)), dflt.lines.map((l) => l[1]).join('\n'));
      assert.ok(dflt2.lines.some(([, l]) => new RegExp(`^control: \\S+/ringway-${dflt2.child.pid}\\.sock `).test(l)), dflt2.lines.map((l) => l[1]).join('\n'));
    } finally {
      await stop(dflt2);
      await stop(dflt);
    }
    const third = await ringway(['fwd', '--control', name, '--duration', '1']);
    assert.equal(third.status, 1);
    assert.match(third.stderr, /control socket .* is in use by another running datapath; give this one another name with --control NAME/);
    // the first keeps forwarding and serving
    const before = (await stats(name)).ports[0]!.queues[0]!.ipackets;
    await new Promise((res) => setTimeout(res, 300));
    assert.ok((await stats(name)).ports[0]!.queues[0]!.ipackets > before, 'still forwarding');
    assert.equal((await fetch(url)).status, 200, 'still serving /metrics');
  } finally {
    await stop(f);
  }
  assert.ok(!fs.existsSync(socketPath(name)), 'a clean stop removes the socket');
});
