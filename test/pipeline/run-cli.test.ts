// `ringway run FILE`: a JSON configuration and a module, per-app rates every second, a clean stop
// on SIGINT with totals and the pool accounting, --dot, and clear errors.
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../src/cli/ringway.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));

/** Writes dir/p.json: rx (a null port) -> swap (MacSwap) -> tx (a null port named `out`). */
function writeRxSwapTx(dir: string): string {
  const file = join(dir, 'p.json');
  writeFileSync(file, JSON.stringify({
    apps: { rx: { app: 'PortIn', config: { port: 'null:size=64' } }, swap: { app: 'MacSwap' }, tx: { app: 'PortOut', config: { port: 'null:size=64', name: 'out' } } },
    links: ['rx.out -> swap.in', 'swap.out -> tx.in'],
  }));
  return file;
}

test('ringway run CONFIG.json prints per-app rates and returns every buffer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-run-'));
  try {
    const file = writeRxSwapTx(dir);
    const out = execFileSync(process.execPath, [cli, 'run', file, '--duration', '2.5'], { encoding: 'utf8' });
    assert.match(out, /^ringway run: .*p\.json on 1 worker\(s\) \(q0\), 2\.5 s$/m);
    const lines = [...out.matchAll(/^\[\s*\d+ s\] rx ([\d.]+)\s+swap ([\d.]+)\s+tx ([\d.]+)\s+Mpps$/gm)];
    assert.ok(lines.length >= 2, out);
    for (const l of lines) assert.ok(Number(l[1]) > 0.1, `a live rate: ${l[0]}`);
    const tot = /^app tx: in=(\d+) out=(\d+) dropped=0$/m.exec(out);
    assert.ok(tot && Number(tot[1]) > 0 && tot[1] === tot[2], out);
    assert.match(out, /^port out: ipackets=0 opackets=\d+/m);
    assert.match(out, /^buffers: (\d+)\/\1 back in the pool, 0 missing, 0 duplicated$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ringway run MODULE stops cleanly on SIGINT, stage workers named', async () => {
  const p = spawn(process.execPath, [cli, 'run', fixture('stages')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 600 && !/\[\s*2 s\]/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
  p.kill('SIGINT');
  const code = await new Promise((res) => p.once('exit', res));
  assert.equal(code, 0, out);
  assert.match(out, /on 3 worker\(s\) \(gen, fwd, sink\), Ctrl-C to stop/);
  assert.match(out, /^app check2: in=\d+ out=0 dropped=0$/m);
  assert.match(out, /^buffers: (\d+)\/\1 back in the pool, 0 missing, 0 duplicated$/m);
});

test('ringway run --dot prints the graph; bad files are clear errors', () => {
  const dot = execFileSync(process.execPath, [cli, 'run', fixture('rtc'), '--dot'], { encoding: 'utf8' });
  assert.match(dot, /"rx" -> "swap"/);
  const fail = (args: string[], re: RegExp) => {
    try {
      execFileSync(process.execPath, [cli, 'run', ...args], { encoding: 'utf8', stdio: 'pipe' });
      assert.fail('should exit non-zero');
    } catch (e) {
      const err = e as { status: number; stderr: string };
      assert.equal(err.status, 1, err.stderr);
      assert.match(err.stderr, re);
    }
  };
  fail([fixture('nope')], /\[ERR_RINGWAY_BAD_CONFIG\] pipeline module .*nope\.js: cannot import it/);
  fail([], /usage: ringway run FILE/);
  const dir = mkdtempSync(join(tmpdir(), 'ringway-run-'));
  try {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ apps: { rx: { app: 'PortIn', config: { burst: 32 } } }, links: [] }));
    fail([join(dir, 'bad.json')], /\[ERR_RINGWAY_BAD_CONFIG\] app 'rx' \(PortIn\): field 'port' is required/);
    writeFileSync(join(dir, 'x.ts'), 'export default 1;\n');
    if (!(process.features as { typescript?: unknown }).typescript) fail([join(dir, 'x.ts')], /does not load TypeScript itself; compile it/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ringway run --metrics serves per-app and per-port counters of the running pipeline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-run-'));
  try {
    const file = writeRxSwapTx(dir);
    const port = 19000 + (process.pid % 1000);
    const p = spawn(process.execPath, [cli, 'run', file, '--metrics', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    try {
      for (let i = 0; i < 600 && !/\[\s*1 s\]/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, new RegExp(`metrics: http://127\\.0\\.0\\.1:${port}/metrics`));
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const v = (re: RegExp) => Number(re.exec(body)?.[1] ?? NaN);
      assert.ok(v(/^ringway_app_packets_total\{[^}]*app="swap"[^}]*direction="in"[^}]*\} (\d+)/m) > 0, body.slice(0, 2000));
      assert.ok(v(/^ringway_port_tx_packets_total\{[^}]*port="out"[^}]*\} (\d+)/m) > 0);
      assert.ok(v(/^ringway_pool_buffers\{[^}]*\} (\d+)/m) >= 0);
    } finally {
      p.kill('SIGINT');
      await new Promise((res) => p.once('exit', res));
    }
    assert.match(out, /^buffers: (\d+)\/\1 back in the pool, 0 missing, 0 duplicated$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
