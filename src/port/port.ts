// Ports: one API over every backend (DPDK ethdev semantics). rxBurst returns how many packets
// arrived; txBurst how many were accepted, the rest stay the caller's. Queue q is driven by one
// thread at a time. The hot path never throws and allocates nothing; use after close throws
// ERR_RINGWAY_CLOSED.
//
// A Port object is one thread's handle. The opener owns the port (close releases it); other
// threads `Port.attach(port.descriptor())` with the plain-data descriptor passed in workerData.
import { isMainThread } from 'node:worker_threads';
import { native, type MemoryView } from '../native.js';
import { Codes, RingwayError, closed, invalid } from '../errors.js';
import { Pool, PoolView } from '../memory/pool.js';
import * as L from './layout.js';
import type { Backend } from './backend.js';
import { NullBackend } from './null.js';
import { RingBackend } from './ring.js';
import { NativeBackend } from './native-port.js';

export interface PortOptions {
  pool: Pool | number;
  /** RX/TX queue pairs (default 1). */
  queues?: number;
}

/** Plain data: everything another thread needs to attach to an open port. */
export interface PortDescriptor {
  id: number;
  spec: string;
  kind: string;
  queues: number;
  poolId: number;
  size?: number;
  ringRegion?: number;
  ringEnd?: number;
}

export interface PortInfo {
  driver: string;
  mac: string;
  linkUp: boolean;
  speedMbps: number;
  rxQueues: number;
  txQueues: number;
  mtu: number;
}

export interface VirtioPortInfo {
  bdf: string;
  route: string;
  transport: string;
  features: string;
  mac: string;
  linkUp: boolean;
  ipackets: number;
  opackets: number;
  ierrors: number;
  oerrors: number;
  rxNombuf: number;
  badUsed: number;
}

export interface QueueStats {
  ipackets: number;
  ibytes: number;
  imissed: number;
  ierrors: number;
  rxNombuf: number;
  opackets: number;
  obytes: number;
  oerrors: number;
}

export interface PortStats extends QueueStats {
  queues: QueueStats[];
}

const FIELDS: Array<[keyof QueueStats, number]> = [
  ['ipackets', L.PORT_Q_IPACKETS], ['ibytes', L.PORT_Q_IBYTES], ['imissed', L.PORT_Q_IMISSED],
  ['ierrors', L.PORT_Q_IERRORS], ['rxNombuf', L.PORT_Q_RX_NOMBUF], ['opackets', L.PORT_Q_OPACKETS],
  ['obytes', L.PORT_Q_OBYTES], ['oerrors', L.PORT_Q_OERRORS],
];

class ClosedBackend implements Backend {
  constructor(private readonly what: string) {}
  rx(): number { throw closed(this.what); }
  tx(): number { throw closed(this.what); }
  waitRx(): void { throw closed(this.what); }
  waitTx(): void { throw closed(this.what); }
  close(): void {}
}

export class Port {
  readonly id: number;
  readonly kind: string;
  readonly queues: number;
  /** The shared block: identity, link, per-queue counters (layout.ts). */
  readonly block: MemoryView;
  readonly f64: Float64Array;
  readonly pool: PoolView;
  private b: Backend;
  private open = true;

  private constructor(readonly desc: PortDescriptor, private readonly owner: boolean) {
    this.id = desc.id;
    this.kind = desc.kind;
    this.queues = desc.queues;
    this.block = native.mapView(desc.id);
    this.f64 = new Float64Array(this.block);
    if (new Uint32Array(this.block, 0, 1)[0] !== L.PORT_MAGIC) throw invalid(`object ${desc.id} is not a port`);
    this.pool = PoolView.forThread(desc.poolId);
    try {
      this.b = makeBackend(this);
    } catch (e) {
      PoolView.releaseThreadView(desc.poolId);
      native.unmapView(this.block);
      throw e;
    }
  }

  /**
   * Opens a port from a spec string: null:size=64, ring:NAME, pcap:rx=in.pcap,tx=out.pcap,loop=1,
   * virtio:0000:00:10.0[,transport=legacy] (a virtio-net function bound with `ringway bind`).
   */
  static open(spec: string, opts: PortOptions): Port {
    if (typeof spec !== 'string') throw invalid('port spec must be a string such as null:size=64');
    const poolId = typeof opts.pool === 'number' ? opts.pool : opts.pool.id;
    const r = native.portOpen(spec, poolId, opts.queues ?? 1);
    const desc: PortDescriptor = { id: r.id, spec, kind: r.kind, queues: r.queues, poolId };
    if (r.size != null) desc.size = r.size;
    if (r.ringRegion != null) desc.ringRegion = r.ringRegion;
    if (r.ringEnd != null) desc.ringEnd = r.ringEnd;
    let p: Port;
    try {
      p = new Port(desc, true);
    } catch (e) {
      native.portClose(r.id);
      throw e;
    }
    // Devices must be reset and files flushed even when the program just ends: close what the
    // owner left open when the thread exits, and guard the process against ending without it.
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', onExit);
    }
    if (isMainThread) guardProcess();
    openOwned.add(p);
    return p;
  }

  /** Another thread's handle on an open port. */
  static attach(desc: PortDescriptor): Port {
    return new Port(desc, false);
  }

  descriptor(): PortDescriptor {
    return { ...this.desc };
  }

  /** Receives up to n (default handles.length) packets on queue q into handles. */
  rxBurst(q: number, handles: Uint32Array, n: number = handles.length): number {
    return this.b.rx(q, handles, n);
  }

  /** Transmits handles[0..n) on queue q; returns how many were accepted (the rest stay yours). */
  txBurst(q: number, handles: Uint32Array, n: number): number {
    return this.b.tx(q, handles, n);
  }

  /** Idle path for a poller that found queue q empty: sleep until traffic or timeoutMs. */
  waitRx(q: number, timeoutMs = 10): void {
    this.b.waitRx(q, timeoutMs);
  }

  /** Back-pressure path for a sender whose TX on queue q was refused: sleep until space or timeoutMs. */
  waitTx(q: number, timeoutMs = 10): void {
    this.b.waitTx(q, timeoutMs);
  }

  /** Byte offset of queue q's counter block in `block` / 8 (for f64 indexing). */
  counterBase(q: number): number {
    return (L.PORT_Q_OFF + q * L.PORT_Q_SIZE) >> 3;
  }

  info(): PortInfo {
    this.check();
    const u8 = new Uint8Array(this.block);
    const u32 = new Uint32Array(this.block);
    const mac = [...u8.subarray(L.PORT_OFF_MAC, L.PORT_OFF_MAC + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
    return {
      driver: this.kind,
      mac,
      linkUp: u32[L.PORT_OFF_LINK >> 2] === 1,
      speedMbps: u32[L.PORT_OFF_SPEED >> 2]!,
      rxQueues: this.queues,
      txQueues: this.queues,
      mtu: u32[L.PORT_OFF_MTU >> 2]!,
    };
  }

  /** virtio ports: route, transport, negotiated features, live link state and driver counters
   *  (including badUsed, used-ring entries rejected). Takes the port's lock: not for the hot path. */
  virtioInfo(): VirtioPortInfo {
    this.check();
    if (this.kind !== 'virtio') throw invalid(`port ${this.desc.spec} is not a virtio port`);
    return native.portVirtioInfo(this.id);
  }

  stats(): PortStats {
    this.check();
    const queues: QueueStats[] = [];
    const total = {} as QueueStats;
    for (const [k] of FIELDS) total[k] = 0;
    for (let q = 0; q < this.queues; q++) {
      const base = this.counterBase(q);
      const s = {} as QueueStats;
      for (const [k, off] of FIELDS) {
        s[k] = this.f64[base + (off >> 3)]!;
        total[k] += s[k];
      }
      queues.push(s);
    }
    return { ...total, queues };
  }

  private check(): void {
    if (!this.open) throw closed(`port ${this.desc.spec}`);
  }

  /** Owner: releases the port (buffers in its rings back to the pool, files flushed). Others: drop this thread's handle. */
  close(): void {
    if (!this.open) return;
    this.open = false;
    const b = this.b;
    this.b = new ClosedBackend(`port ${this.desc.spec}`);
    if (this.owner) {
      openOwned.delete(this);
      const r = native.portClose(this.id);
      b.close(r.lastEnd);
      if (this.desc.ringRegion != null) native.objectClose(this.desc.ringRegion);
    } else {
      b.close(false);
    }
    PoolView.releaseThreadView(this.desc.poolId);
    native.unmapView(this.block);
  }
}

const openOwned = new Set<Port>();
let exitHooked = false; // one 'exit' listener per thread, however often ports open and close

function onExit(): void {
  closeOwned();
  // The main thread's exit ends the process: close what workers opened and still hold too.
  if (isMainThread) native.portsCloseAll();
}

function closeOwned(): void {
  for (const p of [...openOwned]) {
    try {
      p.close();
    } catch {
      // best effort at exit: keep closing the others
    }
  }
}

// A process that ends by a signal runs no 'exit' listener. For a uio device that is the dangerous
// case: nothing resets it, and it keeps DMAing into memory the kernel hands to someone else (vfio
// at least resets on fd close). So the main thread, once it opened a port, listens for the signals
// that end a process by default. If nobody else listens, it closes every native port in the
// process (workers' too), stops listening and re-raises the signal, so the process still dies of
// it (exit status 128+n, core dumps and parents' views unchanged). If the program has its own
// listener, that listener decides; when it ends the process, onExit does the closing.
// (A program that opens ports only in workers gets the workers' 'exit' hooks, not this guard.)
const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let guarded = false;

function guardProcess(): void {
  if (guarded) return;
  guarded = true;
  // Prepended, so at our call every other listener is still registered (a `once` listener
  // removes itself when called).
  for (const sig of FATAL_SIGNALS) process.prependListener(sig, onFatalSignal);
}

function onFatalSignal(sig: NodeJS.Signals): void {
  if (process.listenerCount(sig) > 1) return;
  onExit(); // what the exit would have done (this runs in the main thread: all native ports)
  for (const s of FATAL_SIGNALS) process.off(s, onFatalSignal);
  guarded = false;
  process.kill(process.pid, sig);
}

function makeBackend(p: Port): Backend {
  switch (p.kind) {
    case 'null':
      return new NullBackend(p, p.desc.size ?? 64);
    case 'ring':
      return new RingBackend(p, p.desc.ringRegion!, p.desc.ringEnd!);
    case 'pcap':
    case 'virtio':
      return new NativeBackend(p);
    default:
      throw new RingwayError(Codes.UNSUPPORTED, `port kind '${p.kind}' has no backend in this build`);
  }
}
