// `ringway fwd`: the forwarder with live per-queue throughput; Ctrl-C stops it cleanly.
import { cpuList } from './run.js';
import { parseArgs } from 'node:util';
import { runForwarder } from '../fwd/forwarder.js';
import { invalid } from '../errors.js';
import type { FwdMode } from '../fwd/forwarder.js';
import { Metrics } from '../metrics/index.js';

export async function fwdCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      a: { type: 'string', default: 'null:size=64' },
      b: { type: 'string', default: 'null:size=64' },
      queues: { type: 'string', default: '1' },
      cpus: { type: 'string' },
      mode: { type: 'string', default: 'io' },
      burst: { type: 'string', default: '32' },
      duration: { type: 'string' },
      buffers: { type: 'string' },
      'data-room': { type: 'string' },
      'tx-first': { type: 'string' },
      metrics: { type: 'string' },
      control: { type: 'string' },
      'no-control': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw invalid(`--${name} '${v}' must be a positive number`);
    return n;
  };
  // Observability (src/metrics): /metrics over HTTP when asked, the control socket for
  // `ringway top/stats/capture` unless --no-control. Both start before the ports open, so a
  // taken address fails here, with its name, and nothing else has started.
  const metrics = await Metrics.start({
    ...(values.metrics !== undefined ? { listen: values.metrics } : {}),
    // the default name steps aside for a datapath already running under it (ringway-PID)
    ...(values['no-control'] ? {} : { control: values.control ?? 'ringway', controlFallback: values.control === undefined }),
    onStale: (p) => console.log(`control: replaced a stale socket ${p} (its datapath had exited)`),
  });
  if (metrics.http) console.log(`metrics: ${metrics.http.url}`);
  if (metrics.control) console.log(`control: ${metrics.control.path} (ringway top / stats / capture)`);
  const ac = new AbortController();
  const onSig = () => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const duration = num('duration', values.duration);
  console.log(`ringway fwd: ${values.a} <-> ${values.b}, ${values.queues} queue(s), mode ${values.mode}, burst ${values.burst}` +
    (duration ? `, ${duration} s` : ', Ctrl-C to stop'));
  const r = await runForwarder({
    a: values.a!,
    b: values.b!,
    queues: num('queues', values.queues)!,
    ...(values.cpus !== undefined ? { cpus: cpuList(values.cpus) } : {}),
    mode: values.mode as FwdMode,
    burst: num('burst', values.burst)!,
    ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
    ...(values.buffers !== undefined ? { buffers: num('buffers', values.buffers)! } : {}),
    ...(values['data-room'] !== undefined ? { dataRoom: num('data-room', values['data-room'])! } : {}),
    ...(values['tx-first'] !== undefined ? { txFirst: num('tx-first', values['tx-first'])! } : {}),
    signal: ac.signal,
    onStart: (ctx) => metrics.watchForwarder(ctx),
    onStop: () => metrics.sources.freeze(),
    // a line scripts can wait for: ports open, workers attached
    onReady: () => console.log('forwarding: ready'),
    onSecond: (mpps, s) => {
      const per = mpps.map((m, q) => `q${q} ${m.toFixed(2)}`).join('  ');
      console.log(`[${String(s).padStart(3)} s] ${mpps.reduce((x, y) => x + y, 0).toFixed(2)} Mpps  (${per})`);
    },
  });
  process.off('SIGINT', onSig);
  process.off('SIGTERM', onSig);
  await metrics.close();
  console.log(`total: ${r.forwarded} packets forwarded, ${r.dropped} dropped in ${r.seconds.toFixed(2)} s ` +
    `(${(r.forwarded / r.seconds / 1e6).toFixed(2)} Mpps average)`);
  r.perQueue.forEach((q, i) => console.log(`  queue ${i}: ${q.forwarded} forwarded, ${q.dropped} dropped`));
  // key=value per port, for scripts (test/qemu/guest/cases.sh greps these)
  r.ports.forEach((p, i) => {
    const s = p.stats;
    const v = p.virtio;
    console.log(`port ${'ab'[i]} ${p.spec}: ipackets=${s.ipackets} ibytes=${s.ibytes} ierrors=${s.ierrors} ` +
      `imissed=${s.imissed} rx_nombuf=${s.rxNombuf} opackets=${s.opackets} obytes=${s.obytes} oerrors=${s.oerrors}` +
      (v ? ` bad_used=${v.badUsed} rx_oversize=${v.rxOversize} route=${v.route} transport=${v.transport} mac=${v.mac} link_up=${v.linkUp}` : ''));
  });
  const ok = r.pool.inUse === 0 && r.pool.missing === 0 && r.pool.duplicates === 0 && r.pool.free === r.pool.total;
  console.log(`buffers: ${r.pool.free}/${r.pool.total} back in the pool, ${r.pool.missing} missing, ${r.pool.duplicates} duplicated` +
    (ok ? '' : '  <-- ACCOUNTING ERROR'));
  return ok ? 0 : 1;
}
