// The /metrics endpoint against a running forwarder: counters rise while it runs and agree with
// its own totals at stop; a taken address is a clear error and the first datapath keeps serving.
import test from 'node:test';
import assert from 'node:assert/strict';
import { runForwarder } from '../../src/fwd/forwarder.js';
import { Metrics, parseAddress } from '../../src/metrics/index.js';
import { scrape, value } from './promtext.js';

test('scraping /metrics while the forwarder runs: counters rise, and agree with its totals at stop', async () => {
  const m = await Metrics.start({ listen: '127.0.0.1:0' });
  try {
    const rx: number[][] = [[], []];
    let scraping = true;
    let running: Promise<void> = Promise.resolve();
    const fwd = runForwarder({
      queues: 2,
      durationMs: 2500,
      retry: false,
      onStart: (ctx) => m.watchForwarder(ctx),
      onStop: () => { scraping = false; m.sources.freeze(); },
      onReady: () => {
        running = (async () => {
          while (scraping) {
            await new Promise((r) => setTimeout(r, 300));
            if (!scraping) break;
            const s = await scrape(m.http!.url);
            for (const q of [0, 1]) rx[q]!.push(value(s, 'ringway_port_rx_packets_total', { port: 'a', queue: String(q) }));
          }
        })();
      },
    });
    const r = await fwd;
    await running;
    for (const q of [0, 1]) {
      const seen = rx[q]!;
      assert.ok(seen.length >= 4, `scraped queue ${q} ${seen.length} times while forwarding`);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `queue ${q} rx rises between scrapes: ${seen.join(', ')}`);
    }
    const s = await scrape(m.http!.url);
    for (const [pi, port] of ['a', 'b'].entries()) {
      for (const q of [0, 1]) {
        const st = r.ports[pi]!.stats.queues[q]!;
        const l = { port, queue: String(q) };
        assert.equal(value(s, 'ringway_port_rx_packets_total', l), st.ipackets, `${port}/${q} rx packets`);
        assert.equal(value(s, 'ringway_port_rx_bytes_total', l), st.ibytes, `${port}/${q} rx bytes`);
        assert.equal(value(s, 'ringway_port_tx_packets_total', l), st.opackets, `${port}/${q} tx packets`);
        assert.equal(value(s, 'ringway_port_tx_bytes_total', l), st.obytes);
        assert.equal(value(s, 'ringway_port_rx_dropped_packets_total', { ...l, cause: 'rx_nombuf' }), st.rxNombuf);
        assert.equal(value(s, 'ringway_port_rx_dropped_packets_total', { ...l, cause: 'imissed' }), st.imissed);
        assert.equal(value(s, 'ringway_port_errors_total', { ...l, direction: 'rx' }), st.ierrors);
        // the histogram: _sum is the queue's packet counter, the +Inf bucket the bursts, which
        // for 2 * 64-byte null ports at burst 32 are all full (32 packets: bucket le=32)
        const h = { ...l, direction: 'rx' };
        assert.equal(value(s, 'ringway_port_burst_size_packets_sum', h), st.ipackets);
        const bursts = value(s, 'ringway_port_burst_size_packets_count', h);
        assert.equal(value(s, 'ringway_port_burst_size_packets_bucket', { ...h, le: '+Inf' }), bursts);
        assert.equal(value(s, 'ringway_port_burst_size_packets_bucket', { ...h, le: '32' }), bursts, 'every burst had 32 packets');
        assert.equal(value(s, 'ringway_port_burst_size_packets_bucket', { ...h, le: '16' }), 0);
        assert.equal(bursts * 32, st.ipackets);
      }
    }
    for (const q of [0, 1]) {
      assert.equal(value(s, 'ringway_fwd_packets_total', { forwarder: 'fwd', queue: String(q) }), r.perQueue[q]!.forwarded);
      assert.equal(value(s, 'ringway_fwd_dropped_packets_total', { queue: String(q), cause: 'tx_full' }), r.perQueue[q]!.dropped);
    }
    assert.equal(r.forwarded, r.ports[0]!.stats.ipackets + r.ports[1]!.stats.ipackets, 'io mode: every packet received was forwarded');
    const inUse = value(s, 'ringway_pool_buffers', { pool: 'fwd', state: 'in_use' });
    const free = value(s, 'ringway_pool_buffers', { pool: 'fwd', state: 'free' });
    assert.equal(inUse + free, value(s, 'ringway_pool_capacity_buffers', { pool: 'fwd' }));
    assert.equal(value(s, 'ringway_port_info', { port: 'a', driver: 'null' }), 1);
    assert.ok(value(s, 'process_cpu_seconds_total') > 0, "prom-client's process metrics are served");
    const names = new Set(s.map((x) => x.name));
    for (const n of names) {
      if (!n.startsWith('ringway_')) continue;
      assert.match(n, /^ringway_[a-z_]+$/, 'snake case');
    }
  } finally {
    await m.close();
  }
});

test('a second datapath on the same metrics address: a clear error; the first keeps serving', async () => {
  const first = await Metrics.start({ listen: '127.0.0.1:0' });
  try {
    const taken = `127.0.0.1:${first.http!.address.port}`;
    await assert.rejects(Metrics.start({ listen: taken }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_RINGWAY_IO');
      assert.match(e.message, new RegExp(`metrics address ${taken} is already in use.*--metrics HOST:PORT`));
      return true;
    });
    const s = await scrape(first.http!.url);
    assert.ok(s.some((x) => x.name === 'process_cpu_seconds_total'), 'the first endpoint still answers');
  } finally {
    await first.close();
  }
});

test('metrics addresses: HOST:PORT, :PORT, PORT; anything else names the fix', () => {
  assert.deepEqual(parseAddress('127.0.0.1:9091'), { host: '127.0.0.1', port: 9091 });
  assert.deepEqual(parseAddress(':9091'), { host: '127.0.0.1', port: 9091 });
  assert.deepEqual(parseAddress('9091'), { host: '127.0.0.1', port: 9091 });
  assert.deepEqual(parseAddress('[::1]:9091'), { host: '::1', port: 9091 });
  assert.throws(() => parseAddress('localhost'), /metrics address 'localhost': use HOST:PORT such as 127.0.0.1:9091/);
  assert.throws(() => parseAddress('1.2.3.4:99999'), /use HOST:PORT/);
});

test('ring occupancy: packets waiting in a ring port\'s RX ring are a gauge', async () => {
  const { Pool, PoolView } = await import('../../src/memory/pool.js');
  const { Port } = await import('../../src/port/port.js');
  const { Sources, createRegistry } = await import('../../src/metrics/index.js');
  const { parseProm } = await import('./promtext.js');
  const pool = Pool.create({ name: 'occ', buffers: 256 });
  const a = Port.open('ring:occ-t', { pool });
  const b = Port.open('ring:occ-t', { pool });
  try {
    const hs = new Uint32Array(10);
    assert.equal(a.pool.allocBurst(hs, 10), 10);
    for (const h of hs) { a.pool.reset(h); a.pool.setDataLen(h, 60); }
    assert.equal(a.txBurst(0, hs, 10), 10);
    const src = new Sources();
    src.registerPort('b', b);
    src.registerPool('occ', pool);
    const s = parseProm(await createRegistry(src, { processMetrics: false }).metrics());
    assert.equal(value(s, 'ringway_port_rx_ring_packets', { port: 'b', queue: '0' }), 10);
    assert.equal(value(s, 'ringway_pool_buffers', { pool: 'occ', state: 'in_use' }) >= 10, true, 'the 10 in the ring are in use');
    const got = b.rxBurst(0, hs, 10);
    assert.equal(got, 10);
    b.pool.freeBurst(hs, got);
  } finally {
    a.close();
    b.close();
    PoolView.closeThreadViews();
    pool.close();
  }
});
