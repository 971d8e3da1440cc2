// The prom-client Registry over the shared counters. Every metric computes its values in
// collect(), at scrape time, from one Sources snapshot: nothing is counted twice, nothing runs
// between scrapes, and the datapath never hears about a scrape. Names follow the Prometheus
// conventions: `ringway_` prefix, base units (packets, bytes, buffers), `_total` on counters,
// labels whose values are fixed by the configuration (port, queue, direction, app, ...), never by
// traffic. docs/metrics.md lists them and maps them to dpdk-telemetry-exporter's.
import client from 'prom-client';
import { BURST_BOUNDS, type Snapshot, type Sources } from './sources.js';

type Labels = Record<string, string | number>;
type Sample = [Labels, number];

interface Def {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels: string[];
  values: (s: Snapshot) => Sample[];
}

const perQueue = (s: Snapshot, f: (q: Snapshot['ports'][number]['queues'][number]) => number | undefined, extra: Labels = {}): Sample[] => {
  const out: Sample[] = [];
  for (const p of s.ports) {
    p.queues.forEach((q, i) => {
      const v = f(q);
      if (v !== undefined) out.push([{ port: p.name, queue: i, ...extra }, v]);
    });
  }
  return out;
};

/** Every counter and gauge the endpoint serves (the histogram is below). */
export const DEFS: Def[] = [
  { name: 'ringway_port_rx_packets_total', help: 'Packets received on a port queue.', type: 'counter', labels: ['port', 'queue'], values: (s) => perQueue(s, (q) => q.ipackets) },
  { name: 'ringway_port_rx_bytes_total', help: 'Bytes received on a port queue (frame bytes, no CRC).', type: 'counter', labels: ['port', 'queue'], values: (s) => perQueue(s, (q) => q.ibytes) },
  { name: 'ringway_port_tx_packets_total', help: 'Packets a port queue accepted for transmission.', type: 'counter', labels: ['port', 'queue'], values: (s) => perQueue(s, (q) => q.opackets) },
  { name: 'ringway_port_tx_bytes_total', help: 'Bytes a port queue accepted for transmission.', type: 'counter', labels: ['port', 'queue'], values: (s) => perQueue(s, (q) => q.obytes) },
  {
    name: 'ringway_port_rx_dropped_packets_total',
    help: 'Packets lost on receive, by cause: imissed (the device had no descriptor: the poller was too slow), rx_nombuf (no free buffer in the pool).',
    type: 'counter', labels: ['port', 'queue', 'cause'],
    values: (s) => [...perQueue(s, (q) => q.imissed, { cause: 'imissed' }), ...perQueue(s, (q) => q.rxNombuf, { cause: 'rx_nombuf' })],
  },
  {
    name: 'ringway_port_errors_total', help: 'Erroneous packets, by direction (ierrors, oerrors).', type: 'counter', labels: ['port', 'queue', 'direction'],
    values: (s) => [...perQueue(s, (q) => q.ierrors, { direction: 'rx' }), ...perQueue(s, (q) => q.oerrors, { direction: 'tx' })],
  },
  { name: 'ringway_port_rx_ring_packets', help: 'Packets waiting in a port queue\'s RX ring (ring ports).', type: 'gauge', labels: ['port', 'queue'], values: (s) => perQueue(s, (q) => q.rxOccupancy) },
  { name: 'ringway_port_link_up', help: '1 when the port\'s link is up.', type: 'gauge', labels: ['port'], values: (s) => s.ports.map((p) => [{ port: p.name }, p.linkUp ? 1 : 0]) },
  { name: 'ringway_port_info', help: 'Constant 1; the port\'s driver and MAC address as labels.', type: 'gauge', labels: ['port', 'driver', 'mac'], values: (s) => s.ports.map((p) => [{ port: p.name, driver: p.driver, mac: p.mac }, 1]) },
  {
    name: 'ringway_device_bad_used_total', help: 'virtio used-ring entries the driver rejected (a device event: id or length out of range).',
    type: 'counter', labels: ['port'], values: (s) => s.ports.filter((p) => p.badUsed !== undefined).map((p) => [{ port: p.name }, p.badUsed!]),
  },
  {
    name: 'ringway_capture_dropped_packets_total', help: 'Packets a capture could not copy because its mirror area was full (the datapath did not wait).',
    type: 'counter', labels: ['port'], values: (s) => s.ports.map((p) => [{ port: p.name }, p.captureDropped]),
  },
  {
    name: 'ringway_pool_buffers', help: 'Packet buffers of a pool by state: in_use (held by queues, links, apps, devices), free (in the ring or a thread cache).',
    type: 'gauge', labels: ['pool', 'state'],
    values: (s) => s.pools.flatMap((p): Sample[] => [[{ pool: p.name, state: 'in_use' }, p.inUse], [{ pool: p.name, state: 'free' }, p.free]]),
  },
  { name: 'ringway_pool_capacity_buffers', help: 'Buffers a pool was created with.', type: 'gauge', labels: ['pool'], values: (s) => s.pools.map((p) => [{ pool: p.name }, p.total]) },
  { name: 'ringway_pool_alloc_failures_total', help: 'Buffer allocations a pool could not satisfy.', type: 'counter', labels: ['pool'], values: (s) => s.pools.map((p) => [{ pool: p.name }, p.allocFail]) },
  {
    name: 'ringway_app_packets_total', help: 'Packets an app took in (direction=in) and put out (direction=out).', type: 'counter', labels: ['pipeline', 'app', 'direction'],
    values: (s) => s.pipelines.flatMap((p) => Object.entries(p.apps).flatMap(([a, c]): Sample[] => [
      [{ pipeline: p.name, app: a, direction: 'in' }, c.in], [{ pipeline: p.name, app: a, direction: 'out' }, c.out]])),
  },
  {
    name: 'ringway_app_dropped_packets_total', help: 'Packets an app dropped, by cause (its declared drop reasons; unconnected: sent on an unlinked output; tx_full where a port refused them).',
    type: 'counter', labels: ['pipeline', 'app', 'cause'],
    values: (s) => s.pipelines.flatMap((p) => Object.entries(p.apps).flatMap(([a, c]) => {
      const out: Sample[] = Object.entries(c.drops).map(([r, v]) => [{ pipeline: p.name, app: a, cause: r }, v]);
      const named = Object.values(c.drops).reduce((x, y) => x + y, 0);
      if (c.dropped > named) out.push([{ pipeline: p.name, app: a, cause: 'other' }, c.dropped - named]);
      return out;
    })),
  },
  {
    name: 'ringway_link_packets_total', help: 'Packets put on a link (stage=sent) and handed to its receiver (stage=delivered).', type: 'counter', labels: ['pipeline', 'link', 'stage'],
    values: (s) => s.pipelines.flatMap((p) => Object.entries(p.links).flatMap(([l, c]): Sample[] => [
      [{ pipeline: p.name, link: l, stage: 'sent' }, c.sent], [{ pipeline: p.name, link: l, stage: 'delivered' }, c.delivered]])),
  },
  {
    name: 'ringway_link_dropped_packets_total', help: 'Packets dropped because a link was full (cause=link_full).', type: 'counter', labels: ['pipeline', 'link', 'cause'],
    values: (s) => s.pipelines.flatMap((p) => Object.entries(p.links).map(([l, c]): Sample => [{ pipeline: p.name, link: l, cause: 'link_full' }, c.full])),
  },
  {
    name: 'ringway_link_packets', help: 'Packets on a link right now (sent minus delivered, by the running worker).', type: 'gauge', labels: ['pipeline', 'link'],
    values: (s) => s.pipelines.flatMap((p) => Object.entries(p.occupancy).map(([l, n]): Sample => [{ pipeline: p.name, link: l }, n])),
  },
  { name: 'ringway_engine_breaths_total', help: 'Engine breaths (one pull of every source and push of every link).', type: 'counter', labels: ['pipeline', 'worker'], values: (s) => s.pipelines.map((p) => [{ pipeline: p.name, worker: p.worker }, p.breaths]) },
  { name: 'ringway_worker_restarts_total', help: 'Times the supervisor restarted a pipeline worker.', type: 'counter', labels: ['pipeline', 'worker'], values: (s) => s.pipelines.map((p) => [{ pipeline: p.name, worker: p.worker }, p.restarts]) },
  {
    name: 'ringway_fwd_packets_total', help: 'The forwarder\'s own per-queue totals: packets forwarded.', type: 'counter', labels: ['forwarder', 'queue'],
    values: (s) => s.forwarders.flatMap((f) => f.queues.map((q, i): Sample => [{ forwarder: f.name, queue: i }, q.forwarded])),
  },
  {
    name: 'ringway_fwd_dropped_packets_total', help: 'The forwarder\'s own per-queue totals: packets dropped because TX refused them (cause=tx_full).', type: 'counter', labels: ['forwarder', 'queue', 'cause'],
    values: (s) => s.forwarders.flatMap((f) => f.queues.map((q, i): Sample => [{ forwarder: f.name, queue: i, cause: 'tx_full' }, q.dropped])),
  },
];

export const HISTOGRAM_NAME = 'ringway_port_burst_size_packets';

/** prom-client has no histogram whose buckets are set from outside, so this one is a metric
 *  object of its own (the shape Registry.registerMetric takes): the buckets are the port's shared
 *  per-queue counts made cumulative; _sum is the queue's packet counter (every packet of a
 *  non-empty burst is counted there), _count the number of non-empty bursts. */
class BurstHistogram {
  readonly name = HISTOGRAM_NAME;
  readonly help = 'Non-empty bursts by size (packets per rx_burst / accepted per tx_burst), per port, queue and direction.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(private readonly src: Sources) {}
  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Labels; value: number; metricName: string }> } {
    const values: Array<{ labels: Labels; value: number; metricName: string }> = [];
    for (const p of this.src.snapshot().ports) {
      p.queues.forEach((q, i) => {
        for (const [direction, h, sum] of [['rx', q.histRx, q.ipackets], ['tx', q.histTx, q.opackets]] as const) {
          let cum = 0;
          const l = { port: p.name, queue: i, direction };
          BURST_BOUNDS.forEach((le, k) => {
            cum += h[k]!;
            values.push({ labels: { ...l, le }, value: cum, metricName: `${HISTOGRAM_NAME}_bucket` });
          });
          cum += h[h.length - 1]!;
          values.push({ labels: { ...l, le: '+Inf' }, value: cum, metricName: `${HISTOGRAM_NAME}_bucket` });
          values.push({ labels: l, value: sum, metricName: `${HISTOGRAM_NAME}_sum` });
          values.push({ labels: l, value: cum, metricName: `${HISTOGRAM_NAME}_count` });
        }
      });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

export interface RegistryOptions {
  /** prom-client's process metrics (CPU, memory, event loop lag, GC; default true). */
  processMetrics?: boolean;
}

export function createRegistry(src: Sources, o: RegistryOptions = {}): client.Registry {
  const reg = new client.Registry();
  for (const d of DEFS) {
    const Ctor = d.type === 'counter' ? client.Counter : client.Gauge;
    new Ctor({
      name: d.name,
      help: d.help,
      labelNames: d.labels,
      registers: [reg],
      // Absolute values from shared memory: reset, then set each series (a Counter has only
      // inc(), which from zero sets it).
      collect(this: client.Counter | client.Gauge) {
        this.reset();
        for (const [l, v] of d.values(src.snapshot())) {
          if (this instanceof client.Gauge) this.set(l, v);
          else (this as client.Counter).inc(l, v);
        }
      },
    });
  }
  reg.registerMetric(new BurstHistogram(src) as unknown as client.Metric);
  if (o.processMetrics ?? true) client.collectDefaultMetrics({ register: reg }); // standard names (process_*, nodejs_*)
  return reg;
}

/** Every metric family name the endpoint can serve (histogram suffixes included), for checks. */
export function servedNames(reg: client.Registry): Set<string> {
  const out = new Set<string>();
  for (const m of reg.getMetricsAsArray()) {
    out.add(m.name);
    if ((m as { type?: unknown }).type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m.name + s);
  }
  return out;
}
