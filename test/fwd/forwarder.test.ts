import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Pool, PoolView } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';
import { runForwarder } from '../../src/fwd/forwarder.js';
import { runWorker } from '../lib/workers.js';

test('the forwarder moves 10 million packets between ring ports: 0 lost, in order, pool accounting exact', async () => {
  const COUNT = 10_000_000;
  const pool = Pool.create({ name: 'fwd10m', buffers: 16384 });
  const inGen = Port.open('ring:fwd-in', { pool });   // end 0: the generator's side
  const outSink = Port.open('ring:fwd-out', { pool }); // end 0: the sink's side
  const ac = new AbortController();
  const fwd = runForwarder({ a: 'ring:fwd-in', b: 'ring:fwd-out', pool, mode: 'io', signal: ac.signal });
  const t0 = Date.now();
  const [gen, sink] = await Promise.all([
    runWorker<{ done: number; bad: number }>('traffic-worker', { role: 'gen', port: inGen.descriptor(), count: COUNT, burst: 32 }),
    runWorker<{ done: number; bad: number }>('traffic-worker', { role: 'sink', port: outSink.descriptor(), count: COUNT, burst: 32 }),
  ]);
  ac.abort();
  const r = await fwd;
  const secs = (Date.now() - t0) / 1000;
  console.log(`# 10M packets gen -> ring -> forwarder -> ring -> sink in ${secs.toFixed(1)} s (${(COUNT / secs / 1e6).toFixed(2)} Mpps)`);
  assert.equal(gen.done, COUNT);
  assert.equal(sink.done, COUNT, 'every packet arrived');
  assert.equal(sink.bad, 0, 'in order, intact');
  assert.equal(r.forwarded, COUNT);
  assert.equal(r.dropped, 0);
  inGen.close();
  outSink.close();
  PoolView.closeThreadViews();
  const s = pool.stats();
  assert.equal(s.inUse, 0);
  assert.equal(s.ringFree + s.cached, s.total, 'in use + free = total');
  assert.deepEqual(pool.audit(), { missing: 0, duplicates: 0 }, '0 leaked');
  pool.close();
});

test('the README run command (ringway fwd on null ports) shows live throughput and returns every buffer', () => {
  const cli = new URL('../../src/cli/ringway.js', import.meta.url).pathname;
  const out = execFileSync(process.execPath, [cli, 'fwd', '--duration', '2.5'], { encoding: 'utf8' });
  assert.match(out, /ringway fwd: null:size=64 <-> null:size=64/);
  const rates = [...out.matchAll(/^\[\s*\d+ s\] ([\d.]+) Mpps/gm)].map((m) => Number(m[1]));
  assert.ok(rates.length >= 2, `per-second lines: ${out}`);
  assert.ok(rates.every((x) => x > 0.1), `non-trivial rates: ${rates}`);
  assert.match(out, /total: \d+ packets forwarded, 0 dropped/);
  assert.match(out, /buffers: (\d+)\/\1 back in the pool, 0 missing, 0 duplicated$/m);
});

test('ringway fwd stops cleanly on SIGINT with totals', async () => {
  const { spawn } = await import('node:child_process');
  const cli = new URL('../../src/cli/ringway.js', import.meta.url).pathname;
  const p = spawn(process.execPath, [cli, 'fwd', '--mode', 'macswap'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  await new Promise((res) => setTimeout(res, 2500));
  p.kill('SIGINT');
  const code = await new Promise((res) => p.once('exit', res));
  assert.equal(code, 0, out);
  assert.match(out, /total: \d+ packets forwarded/);
  assert.match(out, /buffers: (\d+)\/\1 back in the pool, 0 missing/);
});

test('bad forwarder options are clear errors', async () => {
  await assert.rejects(runForwarder({ mode: 'bogus' as 'io', durationMs: 10 }), /forward mode 'bogus': use io or macswap/);
  const cli = new URL('../../src/cli/ringway.js', import.meta.url).pathname;
  try {
    execFileSync(process.execPath, [cli, 'fwd', '--a', 'nul:x'], { encoding: 'utf8', stdio: 'pipe' });
    assert.fail('should exit non-zero');
  } catch (e) {
    const err = e as { status: number; stderr: string };
    assert.equal(err.status, 1);
    assert.match(err.stderr, /\[ERR_RINGWAY_INVALID_ARGUMENT\] bad port spec 'nul:x': unknown port kind 'nul'/);
  }
});

test('a forwarding worker that crashes: the run fails with a clear error, its cache and what it held are reclaimed', async () => {
  const pool = Pool.create({ name: 'crash', buffers: 8192, hugepages: 'never' });
  await assert.rejects(
    runForwarder({ pool, queues: 2, mode: 'io', durationMs: 5000, _testKillQueueAfterMs: 300 }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_RINGWAY_WORKER_DIED');
      assert.match(e.message, /queue 0 exited with code 1; the other queues were stopped, its pool cache was reclaimed and the \d+ buffer\(s\) it held in flight were returned \(pool audit: 0 missing, 0 duplicated\)/);
      return true;
    },
  );
  const s = pool.stats();
  const a = pool.audit();
  assert.equal(a.duplicates, 0);
  assert.equal(a.missing, 0, 'what the dead worker held in its hands was swept back');
  assert.equal(s.ringFree + s.cached, s.total, 'everything is back in the shared ring');
  assert.equal(s.users, 0, 'no user slot left claimed');
  pool.close();
});
