// Rates between two snapshots (what `ringway top` shows): per port queue Mpps and Gbps each way,
// drops per second (every cause), ring fill; per pool use; per forwarder queue and app Mpps.
import type { Snapshot } from './sources.js';

export interface QueueRate {
  port: string;
  queue: number;
  rxMpps: number;
  rxGbps: number;
  txMpps: number;
  txGbps: number;
  /** imissed + rx_nombuf + ierrors + oerrors, per second */
  dropsPerSec: number;
  rxRing?: number;
}

export interface Rates {
  seconds: number;
  queues: QueueRate[];
  pools: Array<{ name: string; inUse: number; total: number }>;
  forwarders: Array<{ name: string; queue: number; mpps: number; dropsPerSec: number }>;
  apps: Array<{ pipeline: string; app: string; inMpps: number; outMpps: number; dropsPerSec: number }>;
}

export function rates(a: Snapshot, b: Snapshot): Rates {
  const dt = Math.max((b.time - a.time) / 1000, 1e-3);
  const queues: QueueRate[] = [];
  for (const p of b.ports) {
    const prev = a.ports.find((x) => x.name === p.name);
    p.queues.forEach((q, i) => {
      const o = prev?.queues[i];
      const d = (k: 'ipackets' | 'ibytes' | 'opackets' | 'obytes' | 'imissed' | 'rxNombuf' | 'ierrors' | 'oerrors') => (q[k] - (o ? o[k] : q[k])) / dt;
      const r: QueueRate = {
        port: p.name, queue: i,
        rxMpps: d('ipackets') / 1e6, rxGbps: (d('ibytes') * 8) / 1e9,
        txMpps: d('opackets') / 1e6, txGbps: (d('obytes') * 8) / 1e9,
        dropsPerSec: d('imissed') + d('rxNombuf') + d('ierrors') + d('oerrors'),
      };
      if (q.rxOccupancy !== undefined) r.rxRing = q.rxOccupancy;
      queues.push(r);
    });
  }
  const forwarders: Rates['forwarders'] = [];
  for (const f of b.forwarders) {
    const prev = a.forwarders.find((x) => x.name === f.name);
    f.queues.forEach((q, i) => {
      const o = prev?.queues[i] ?? q;
      forwarders.push({ name: f.name, queue: i, mpps: (q.forwarded - o.forwarded) / dt / 1e6, dropsPerSec: (q.dropped - o.dropped) / dt });
    });
  }
  const apps: Rates['apps'] = [];
  for (const p of b.pipelines) {
    const prev = a.pipelines.find((x) => x.name === p.name);
    for (const [name, c] of Object.entries(p.apps)) {
      const o = prev?.apps[name] ?? c;
      apps.push({ pipeline: p.name, app: name, inMpps: (c.in - o.in) / dt / 1e6, outMpps: (c.out - o.out) / dt / 1e6, dropsPerSec: (c.dropped - o.dropped) / dt });
    }
  }
  return { seconds: dt, queues, pools: b.pools.map((p) => ({ name: p.name, inUse: p.inUse, total: p.total })), forwarders, apps };
}

/** testpmd / snabb top style text, one screen. */
export function formatRates(r: Rates, head: string): string {
  const L: string[] = [head];
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  L.push(`${'port'.padEnd(8)} ${pad('queue', 5)} ${pad('rx Mpps', 9)} ${pad('rx Gbps', 8)} ${pad('tx Mpps', 9)} ${pad('tx Gbps', 8)} ${pad('drops/s', 10)} ${pad('rx ring', 7)}`);
  for (const q of r.queues) {
    L.push(`${q.port.padEnd(8)} ${pad(q.queue, 5)} ${pad(q.rxMpps.toFixed(3), 9)} ${pad(q.rxGbps.toFixed(3), 8)} ${pad(q.txMpps.toFixed(3), 9)} ` +
      `${pad(q.txGbps.toFixed(3), 8)} ${pad(Math.round(q.dropsPerSec), 10)} ${pad(q.rxRing ?? '-', 7)}`);
  }
  for (const p of r.pools) {
    L.push(`pool ${p.name}: ${p.inUse}/${p.total} buffers in use (${((100 * p.inUse) / Math.max(p.total, 1)).toFixed(1)}%)`);
  }
  for (const f of r.forwarders) L.push(`forwarder ${f.name} queue ${f.queue}: ${f.mpps.toFixed(3)} Mpps forwarded, ${Math.round(f.dropsPerSec)} dropped/s`);
  for (const a of r.apps) {
    L.push(`app ${a.pipeline}/${a.app}: in ${a.inMpps.toFixed(3)} Mpps, out ${a.outMpps.toFixed(3)} Mpps, ${Math.round(a.dropsPerSec)} dropped/s`);
  }
  return L.join('\n');
}
