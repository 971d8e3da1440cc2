// `ringway capture --port P [--queue Q] [-c N | --seconds S] -w FILE`: mirrors what a port queue
// of a running datapath receives into a pcapng file (DPDK's dpdk-dumpcap / pdump). The datapath
// keeps running; while the capture is armed its RX path copies each packet into the port's
// mirror area (src/metrics/mirror.ts), and when that area is full it skips the copy and counts.
import { parseArgs } from 'node:util';
import { connectControl, findSocket, FRAME_END, FRAME_HEADER } from '../metrics/control.js';
import { PcapngWriter } from '../metrics/pcapng.js';
import { invalid } from '../errors.js';

export async function captureCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      queue: { type: 'string', default: '0' },
      count: { type: 'string', short: 'c' },
      seconds: { type: 'string' },
      write: { type: 'string', short: 'w' },
      snaplen: { type: 'string', short: 's', default: '65535' },
      name: { type: 'string' },
      socket: { type: 'string' },
    },
    strict: true,
  });
  if (values.port === undefined) throw invalid('--port NAME is required (the port names `ringway stats` shows: a, b for ringway fwd)');
  if (values.write === undefined) throw invalid('-w FILE is required (a pcapng file to write)');
  const queue = Number(values.queue);
  if (!Number.isInteger(queue) || queue < 0) throw invalid(`--queue '${values.queue}' must be a queue number (0, 1, ...)`);
  const count = values.count !== undefined ? Number(values.count) : Infinity;
  if (!(count >= 1)) throw invalid(`-c '${values.count}' must be a positive number of packets`);
  const seconds = values.seconds !== undefined ? Number(values.seconds) : Infinity;
  if (!(seconds > 0)) throw invalid(`--seconds '${values.seconds}' must be a positive number`);
  const snaplen = Number(values.snaplen);
  if (!Number.isInteger(snaplen) || snaplen < 16 || snaplen > 65535) throw invalid(`--snaplen '${values.snaplen}': use 16 to 65535`);

  const c = await connectControl(findSocket(values));
  // The acceptance line comes as JSON; the binary stream starts right after it.
  let rest: Buffer = Buffer.alloc(0); // frames that arrived in the same chunk as the ack
  const ack = await new Promise<{ ok: boolean; error?: string; queue: number; spec: string }>((res, rej) => {
    let buf: Buffer = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf(10);
      if (i < 0) return;
      c.off('data', onData);
      rest = buf.subarray(i + 1);
      try {
        res(JSON.parse(buf.subarray(0, i).toString('utf8')));
      } catch (e) {
        rej(e);
      }
    };
    c.on('data', onData);
    c.write(JSON.stringify({ cmd: 'capture', port: values.port, queue, snaplen }) + '\n');
  });
  if (!ack.ok) {
    c.destroy();
    throw invalid(ack.error ?? 'capture refused');
  }
  const out = new PcapngWriter(values.write, `ringway ${values.port} queue ${queue} rx`, snaplen);
  process.stderr.write(`capturing port ${values.port} (${ack.spec}) queue ${queue} rx to ${values.write}` +
    `${count < Infinity ? `, ${count} packets` : ''}${seconds < Infinity ? `, ${seconds} s` : ''}${count === Infinity && seconds === Infinity ? ', Ctrl-C to stop' : ''}\n`);
  let stopping = false;
  let trailer = '';
  let ended = false;
  const done = new Promise<{ captured: number; dropped: number }>((res, rej) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      c.write(JSON.stringify({ cmd: 'stop' }) + '\n');
    };
    const timer = seconds < Infinity ? setTimeout(stop, seconds * 1000) : undefined;
    process.once('SIGINT', stop);
    let buf: Buffer = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      if (ended) {
        trailer += d.toString('utf8');
      } else {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        let o = 0;
        while (buf.length - o >= FRAME_HEADER) {
          const cap = buf.readUInt32LE(o);
          if (cap === FRAME_END) {
            ended = true;
            trailer = buf.subarray(o + FRAME_HEADER).toString('utf8');
            o = buf.length;
            break;
          }
          const rec = (FRAME_HEADER + cap + 7) & ~7;
          if (buf.length - o < rec) break;
          // Records after the count, already in flight, are not written (-c is exact).
          if (out.packets < count) out.write(buf.readDoubleLE(o + 8), buf.subarray(o + FRAME_HEADER, o + FRAME_HEADER + cap), buf.readUInt32LE(o + 4));
          o += rec;
          if (out.packets >= count) stop();
        }
        buf = buf.subarray(o);
      }
      const nl = trailer.indexOf('\n');
      if (ended && nl >= 0) {
        if (timer) clearTimeout(timer);
        process.off('SIGINT', stop);
        const t = JSON.parse(trailer.slice(0, nl)) as { captured: number; dropped: number };
        res(t);
      }
    };
    c.on('data', onData);
    if (rest.length) onData(rest);
    c.once('close', () => {
      if (!ended) rej(invalid('the datapath closed the control connection during the capture (it stopped); the file has what arrived'));
    });
  });
  try {
    const t = await done;
    process.stderr.write(`${out.packets} packets written to ${values.write}; ${t.dropped} not copied (the mirror area was full, the datapath did not wait)\n`);
  } finally {
    out.close();
    c.destroy();
  }
  return 0;
}
