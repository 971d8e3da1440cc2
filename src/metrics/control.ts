// The control socket (DPDK's telemetry socket and secondary processes, Snabb's shm tree): a
// running datapath listens on a unix socket only its owner may open (directory 0700, socket
// 0600), and `ringway top`, `ringway stats` and `ringway capture` attach to it from another
// terminal. Requests are JSON lines; replies are JSON lines, except that after a capture is
// accepted the server streams binary records (see CaptureFrame) until the client sends "stop".
// Everything is served by the main thread from shared memory: the workers are never asked.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Codes, RingwayError, invalid } from '../errors.js';
import type { Sources } from './sources.js';

/** Where control sockets live: $XDG_RUNTIME_DIR/ringway, else /run/ringway for root, else
 *  /tmp/ringway-$UID. Created 0700; one owned by someone else, or open to others, is refused. */
export function controlDir(): string {
  const uid = process.getuid?.() ?? 0;
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg) return path.join(xdg, 'ringway');
  if (uid === 0) return '/run/ringway';
  return path.join(os.tmpdir(), `ringway-${uid}`);
}

function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  const uid = process.getuid?.() ?? st.uid;
  if (st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new RingwayError(Codes.IO, `control socket directory ${dir} is not private (owner ${st.uid}, mode ` +
      `${(st.mode & 0o777).toString(8)}); it must belong to you with mode 0700: remove it or set XDG_RUNTIME_DIR`);
  }
}

export function socketPath(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw invalid(`control socket name '${name}': use letters, digits, '.', '_' or '-'`);
  return path.join(controlDir(), `${name}.sock`);
}

/** Resolves what a client names: an explicit path, a name, or the only socket there is. */
export function findSocket(o: { socket?: string; name?: string }): string {
  if (o.socket) return o.socket;
  if (o.name) return socketPath(o.name);
  const dir = controlDir();
  const socks = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.sock')) : [];
  if (socks.length === 1) return path.join(dir, socks[0]!);
  if (socks.length === 0) {
    throw new RingwayError(Codes.IO, `no running datapath: no control socket in ${dir}; start one (ringway fwd) ` +
      `or name one with --socket PATH`);
  }
  throw invalid(`several control sockets in ${dir} (${socks.map((s) => s.replace(/\.sock$/, '')).join(', ')}); choose one with --name NAME`);
}

/** Is something listening on p? (false: nothing there, or a stale socket whose process is gone) */
function probe(p: string): Promise<boolean> {
  return new Promise((res) => {
    const c = net.connect(p);
    c.once('connect', () => { c.destroy(); res(true); });
    c.once('error', () => res(false));
  });
}

export const FRAME_END = 0xffffffff;
/** A capture frame, as the mirror area holds it: u32 caplen (FRAME_END ends the stream), u32
 *  origlen, f64 time in ms since the epoch, caplen bytes padded to a multiple of 8; little-endian. */
export const FRAME_HEADER = 16;

export interface ControlServerOptions {
  /** Socket name inside controlDir() (default 'ringway'), or a full path. */
  name?: string;
  path?: string;
  /** Called when a stale socket left by a dead process was replaced. */
  onStale?: (path: string) => void;
}

export class ControlServer {
  private readonly conns = new Set<net.Socket>();
  private offExit = () => {};
  private constructor(private readonly server: net.Server, readonly path: string, private readonly src: Sources) {}

  static async start(src: Sources, o: ControlServerOptions = {}): Promise<ControlServer> {
    const p = o.path ?? socketPath(o.name ?? 'ringway');
    ensureDir(path.dirname(p));
    if (fs.existsSync(p)) {
      if (await probe(p)) {
        throw new RingwayError(Codes.IO, `control socket ${p} is in use by another running datapath; ` +
          `give this one another name with --control NAME`);
      }
      fs.unlinkSync(p); // stale: its process died without removing it
      o.onStale?.(p);
    }
    const server = net.createServer();
    const cs = new ControlServer(server, p, src);
    server.on('connection', (c) => cs.serve(c));
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(p, () => res());
    });
    fs.chmodSync(p, 0o600);
    server.unref();
    // An exit without close() (an error, process.exit) still removes the socket; only a kill
    // leaves it, and the next start replaces such a stale one.
    const onExit = () => cs.unlink();
    process.once('exit', onExit);
    cs.offExit = () => process.off('exit', onExit);
    return cs;
  }

  private serve(c: net.Socket): void {
    this.conns.add(c);
    let buf = '';
    let capture: { stop: () => void } | undefined;
    const send = (o: unknown) => c.write(JSON.stringify(o) + '\n');
    c.on('error', () => {});
    c.on('close', () => {
      this.conns.delete(c);
      capture?.stop();
    });
    c.on('data', (d) => {
      buf += d.toString('utf8');
      for (let i; (i = buf.indexOf('\n')) >= 0; ) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        let req: { cmd?: string; port?: string; queue?: number; snaplen?: number };
        try {
          req = JSON.parse(line);
        } catch {
          send({ ok: false, error: `bad request (not JSON): ${line.slice(0, 80)}` });
          continue;
        }
        try {
          if (req.cmd === 'stats') send({ ok: true, snapshot: this.src.snapshot() });
          else if (req.cmd === 'capture') {
            if (capture) throw invalid('a capture is already running on this connection');
            capture = this.startCapture(c, req, send);
          } else if (req.cmd === 'stop') {
            capture?.stop();
            capture = undefined;
          } else throw invalid(`unknown request '${req.cmd}': use stats, capture or stop`);
        } catch (e) {
          send({ ok: false, error: (e as Error).message });
        }
      }
    });
  }

  private startCapture(c: net.Socket, req: { port?: string; queue?: number; snaplen?: number }, send: (o: unknown) => void): { stop: () => void } {
    const names = this.src.portNames();
    const e = req.port !== undefined ? this.src.port(String(req.port)) : undefined;
    if (!e) {
      throw invalid(`no port '${req.port}' in this datapath; its ports are: ${names.join(', ') || '(none yet)'}`);
    }
    const q = req.queue ?? 0;
    if (!Number.isInteger(q) || q < 0 || q >= e.port.queues) {
      throw invalid(`port '${req.port}' has queues 0..${e.port.queues - 1}; queue ${req.queue} does not exist`);
    }
    const busy = e.mirror.armed();
    if (busy >= 0) throw invalid(`port '${req.port}' queue ${busy} is already being captured; one capture per port at a time`);
    const snaplen = Math.min(Math.max(req.snaplen ?? 65535, 16), 65535);
    e.mirror.arm(q, snaplen);
    send({ ok: true, port: req.port, queue: q, snaplen, spec: e.port.desc.spec });
    let paused = false;
    let n = 0;
    // Drained every 5 ms while records come (256 KiB holds ~5 ms of 64-byte frames at ~3 Mpps),
    // backing off to 50 ms while none do, so an idle capture wakes the main thread rarely.
    let idle = 0;
    const drain = (): boolean => {
      if (paused || !e.port.isOpen) return false;
      const buf = e.mirror.drainRaw();
      if (!buf) return false;
      for (let o = 0; o < buf.length; o += (FRAME_HEADER + buf.readUInt32LE(o) + 7) & ~7) n++;
      // A slow client: stop taking records; the area fills and the datapath skips copies.
      if (!c.write(buf)) {
        paused = true;
        c.once('drain', () => { paused = false; });
      }
      return true;
    };
    let timer: NodeJS.Timeout;
    const tick = () => {
      idle = drain() ? 0 : idle + 1;
      timer = setTimeout(tick, idle > 10 ? 50 : 5);
    };
    timer = setTimeout(tick, 5);
    let stopped = false;
    return {
      stop: () => {
        if (stopped) return;
        stopped = true;
        clearTimeout(timer);
        const dropped = e.port.isOpen ? e.mirror.dropped() : 0;
        if (e.port.isOpen) e.mirror.disarm();
        if (c.writable) {
          paused = false;
          if (e.port.isOpen) drain();
          const end = Buffer.alloc(FRAME_HEADER);
          end.writeUInt32LE(FRAME_END, 0);
          c.write(end);
          send({ ok: true, captured: n, dropped });
        }
      },
    };
  }

  async close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    await new Promise<void>((res) => this.server.close(() => res()));
    this.offExit();
    this.unlink();
  }

  private unlink(): void {
    try {
      fs.unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/** A client connection (top, stats, capture). Errors name the socket and what to do. */
export function connectControl(p: string): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const c = net.connect(p);
    c.once('connect', () => { c.removeAllListeners('error'); res(c); });
    c.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') {
        rej(new RingwayError(Codes.IO, `no datapath is listening on ${p}: the socket is stale (its process exited); ` +
          `start a datapath (ringway fwd) — it replaces the stale socket`));
      } else if (e.code === 'ENOENT') {
        rej(new RingwayError(Codes.IO, `no control socket at ${p}; is a datapath running? (ringway fwd starts one)`));
      } else if (e.code === 'EACCES') {
        rej(new RingwayError(Codes.IO, `permission denied on ${p}: control sockets are owner-only; run as the datapath's user`));
      } else rej(e);
    });
  });
}

/** Reads JSON lines from a connection, one request at a time (stats). */
export class LineClient {
  private buf = '';
  private waiting: Array<(line: string) => void> = [];
  private readonly lines: string[] = [];
  constructor(readonly c: net.Socket) {
    c.on('data', (d) => {
      this.buf += d.toString('utf8');
      for (let i; (i = this.buf.indexOf('\n')) >= 0; ) {
        const l = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting.shift();
        if (w) w(l);
        else this.lines.push(l);
      }
    });
  }

  async request<T>(req: unknown): Promise<T> {
    this.c.write(JSON.stringify(req) + '\n');
    const line = this.lines.shift() ?? await new Promise<string>((res, rej) => {
      this.waiting.push(res);
      this.c.once('close', () => rej(new RingwayError(Codes.IO, 'the datapath closed the control connection (it stopped)')));
    });
    const r = JSON.parse(line) as { ok: boolean; error?: string } & T;
    if (!r.ok) throw invalid(r.error ?? 'request failed');
    return r;
  }
}
