// A real Prometheus server (Debian's `prometheus`) scrapes our endpoint every second while the
// forwarder runs; its HTTP API then answers with a per-queue rate within 10% of the forwarder's
// own measured rate, and with counter values equal to ours.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runForwarder } from '../../src/fwd/forwarder.js';
import { Metrics } from '../../src/metrics/index.js';
import { requireTool } from '../lib/skip.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

interface PromResult { metric: Record<string, string>; value: [number, string]; values?: Array<[number, string]> }

async function query(api: string, q: string, time?: number): Promise<PromResult[]> {
  const u = new URL(`${api}/api/v1/query`);
  u.searchParams.set('query', q);
  if (time !== undefined) u.searchParams.set('time', (time / 1000).toFixed(3));
  const r = (await (await fetch(u)).json()) as { status: string; data: { result: PromResult[] }; error?: string };
  if (r.status !== 'success') throw new Error(`prometheus query ${q}: ${r.error}`);
  return r.data.result;
}

test('a real Prometheus scrapes /metrics every second: per-queue rate within 10% of the forwarder\'s, values equal ours', { timeout: 120_000 }, async (t) => {
  if (!requireTool(t, 'prometheus', 'apt-get install prometheus')) return;
  const m = await Metrics.start({ listen: '127.0.0.1:0' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringway-prom-'));
  const webPort = await freePort();
  const api = `http://127.0.0.1:${webPort}`;
  fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms', 'scrape_configs:',
    '  - job_name: ringway', '    static_configs:', `      - targets: ['127.0.0.1:${m.http!.address.port}']`, '',
  ].join('\n'));
  const prom = spawn('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  prom.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => prom.once('exit', r));
  try {
    // ready, and has scraped us at least once (up == 1)
    const t0 = Date.now();
    for (;;) {
      assert.ok(Date.now() - t0 < 60_000, `prometheus did not scrape within 60 s; its log:\n${log}`);
      assert.equal(prom.exitCode, null, `prometheus exited; its log:\n${log}`);
      try {
        const up = await query(api, 'up{job="ringway"}');
        if (up[0]?.value[1] === '1') break;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    // The forwarder's own measure: its per-queue counter, read once a second on its own clock.
    const own: Array<[number, number]> = [];
    let total: (() => number) | undefined;
    let stopAt = 0;
    const r = await runForwarder({
      queues: 2,
      durationMs: 9000,
      retry: false,
      onStart: (ctx) => { m.watchForwarder(ctx); total = () => ctx.perQueue()[0]!.forwarded; own.push([Date.now(), total()]); },
      onSecond: () => own.push([Date.now(), total!()]),
      onStop: () => { stopAt = Date.now(); m.sources.freeze(); },
    });
    await sleep(2500); // two more scrapes of the frozen final values
    // Prometheus' rate over the 5 s before the last second of forwarding, and the forwarder's own
    // rate over the same span: the span its samples in that window cover (rate() is their
    // increase over their time span, extrapolated), on our counter read once a second.
    const end = own[own.length - 1]![0];
    const at = (ts: number): number => { // our counter at ts, linear between the samples around it
      const i = own.findIndex(([x]) => x >= ts);
      if (i <= 0) return own[Math.max(i, 0)]![1];
      const [x0, v0] = own[i - 1]!, [x1, v1] = own[i]!;
      return v0 + ((v1 - v0) * (ts - x0)) / (x1 - x0);
    };
    const raw = (await query(api, 'ringway_fwd_packets_total{queue="0"}[5s]', end))[0]!.values!;
    assert.ok(raw.length >= 3, `Prometheus scraped ${raw.length} times in the 5 s window`);
    const t0s = raw[0]![0] * 1000, t1s = raw[raw.length - 1]![0] * 1000;
    const ours = (at(t1s) - at(t0s)) / ((t1s - t0s) / 1000);
    const res = await query(api, 'rate(ringway_fwd_packets_total{queue="0"}[5s])', end);
    assert.equal(res.length, 1, `one series for queue 0: ${JSON.stringify(res)}`);
    const theirs = Number(res[0]!.value[1]);
    console.log(`# queue 0: Prometheus rate ${(theirs / 1e6).toFixed(2)} Mpps, forwarder ${(ours / 1e6).toFixed(2)} Mpps ` +
      `(ratio ${(theirs / ours).toFixed(3)}; ${raw.length} scrapes over ${((t1s - t0s) / 1000).toFixed(2)} s; forwarding stopped ${(stopAt - end) / 1000} s after the window)`);
    assert.ok(Math.abs(theirs / ours - 1) <= 0.10, `Prometheus rate ${theirs} vs forwarder's ${ours}: more than 10% apart`);
    // a per-queue port rate too, queue 1 (port a's RX is half of what queue 1 forwards)
    const rx1 = Number((await query(api, 'rate(ringway_port_rx_packets_total{port="a",queue="1"}[5s])', end))[0]!.value[1]);
    assert.ok(rx1 > 0, 'port a queue 1 has a rate');
    // the last scraped values are the forwarder's final counters
    const rx = await query(api, 'ringway_port_rx_packets_total');
    assert.equal(rx.length, 4, 'a and b, queues 0 and 1');
    for (const s of rx) {
      const port = s.metric.port!, q = Number(s.metric.queue);
      assert.equal(Number(s.value[1]), r.ports['ab'.indexOf(port)]!.stats.queues[q]!.ipackets, `${port}/${q} equals our counter`);
    }
  } finally {
    prom.kill('SIGTERM');
    await exited;
    await m.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
