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
import { CHECKS } from '../checks.js';
import { Pool, PoolView } from '../memory/pool.js';
import * as L from './layout.js';
import type { Backend } from './backend.js';
import { NullBackend } from './null.js';
import { RingBackend } from './ring.js';
import { NativeBackend } from './native-port.js';
import { mirrorBurst } from '../metrics/mirror.js';

/** Histogram bucket of a burst of n >= 1 packets: 0 for 1, k for 2^(k-1) < n <= 2^k, the last
 *  bucket for anything larger (layout.rs, PORT_Q_HIST_RX). */
export function burstBucket(n: number): number {
  return bucketOf(n, L.PORT_HIST_BUCKETS - 1);
}

/** burstBucket with the last bucket's index given (the hot path passes a field, not L.*). */
function bucketOf(n: number, last: number): number {
  const k = n <= 1 ? 0 : 32 - Math.clz32(n - 1);
  return k < last ? k : last;
}

// The per-burst bookkeeping indexes f64 by these offsets / 8 (Port.qb0 and the rest).
if ((L.PORT_Q_OFF | L.PORT_Q_SIZE | L.PORT_Q_HIST_RX | L.PORT_Q_HIST_TX) % 8 !== 0) throw new Error('port layout: queue blocks must be 8-aligned');

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
  /** frames larger than a pool buffer (spread over several by MRG_RXBUF): dropped whole, also in ierrors */
  rxOversize: number;
}

/** af_packet, tap and af_xdp ports: the kernel interface and how the port drives it. */
export interface KernelPortInfo {
  ifname: string;
  ifindex: number;
  /** af_packet: 'tpacket_v3 rx, tpacket_v2 tx'; tap: 'created ...' or 'attached ...'; af_xdp: e.g. 'native copy' */
  mode: string;
  /** why that mode, and what the kernel refused */
  notes: string[];
  mtu: number;
  linkUp: boolean;
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
  /** Inputs refused at this queue's boundary: a count past the handle array, a foreign handle,
   *  a burst from a thread that does not own the queue (docs/reliability.md). */
  badArgs: number;
}

export interface PortStats extends QueueStats {
  queues: QueueStats[];
}

const FIELDS: Array<[keyof QueueStats, number]> = [
  ['ipackets', L.PORT_Q_IPACKETS], ['ibytes', L.PORT_Q_IBYTES], ['imissed', L.PORT_Q_IMISSED],
  ['ierrors', L.PORT_Q_IERRORS], ['rxNombuf', L.PORT_Q_RX_NOMBUF], ['opackets', L.PORT_Q_OPACKETS],
  ['obytes', L.PORT_Q_OBYTES], ['oerrors', L.PORT_Q_OERRORS], ['badArgs', L.PORT_Q_BAD],
];
const BAD = L.PORT_Q_BAD >> 3;

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
  readonly u32: Uint32Array;
  readonly pool: PoolView;
  private b: Backend;
  private open = true;
  /** owned[q] = 1 once this thread claimed queue q (one thread per queue, checked in the core) */
  private readonly owned: Uint8Array;
  private readonly busyWarned: Uint8Array;
  // f64 indices the per-burst bookkeeping uses, as fields: a module constant (L.*) is a cell load
  // and a check on every use, a field is one load from an object already in a register.
  private readonly qb0 = L.PORT_Q_OFF >> 3;
  private readonly qs8 = L.PORT_Q_SIZE >> 3;
  private readonly hRx = L.PORT_Q_HIST_RX >> 3;
  private readonly hTx = L.PORT_Q_HIST_TX >> 3;
  private readonly hLast = L.PORT_HIST_BUCKETS - 1;
  private readonly mirrorW = L.PORT_OFF_MIRROR_Q >> 2;

  private constructor(readonly desc: PortDescriptor, private readonly owner: boolean) {
    this.id = desc.id;
    this.kind = desc.kind;
    this.queues = desc.queues;
    this.block = native.mapView(desc.id);
    this.f64 = new Float64Array(this.block);
    this.u32 = new Uint32Array(this.block);
    this.owned = new Uint8Array(desc.queues);
    this.busyWarned = new Uint8Array(desc.queues);
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
   * virtio:0000:00:10.0[,transport=legacy] (a virtio-net function bound with `ringway bind`),
   * af_packet:IFACE, tap:NAME, af_xdp:IFACE[,queue=N][,mode=auto|native|skb][,zerocopy=auto|on|off]
   * (kernel interfaces, docs/kernel-ports.md).
   */
  static open(spec: string, opts: PortOptions): Port {
    if (typeof spec !== 'string') throw invalid('port spec must be a string such as null:size=64');
    if (opts === null || typeof opts !== 'object' || opts.pool === undefined) throw invalid(`port '${spec}': options need a pool, e.g. Port.open(spec, { pool: Pool.create() })`);
    const poolId = typeof opts.pool === 'number' ? opts.pool : opts.pool.id;
    const queues = opts.queues ?? 1;
    if (typeof queues !== 'number' || !Number.isInteger(queues) || queues < 1 || queues > L.PORT_MAX_QUEUES) {
      throw invalid(`port '${spec}': queues ${JSON.stringify(queues)}; use a whole number from 1 to ${L.PORT_MAX_QUEUES}`);
    }
    const r = native.portOpen(spec, poolId, queues);
    if (r.kind === 'virtio') warnNoIommu(r.id);
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

  /** Receives up to n (default handles.length) packets on queue q into handles. The first burst
   *  on a queue claims it for this thread; a queue another live thread drives receives nothing
   *  (counted in badArgs, one warning): use claimQueue() to get the error instead. */
  rxBurst(q: number, handles: Uint32Array, n: number = handles.length): number {
    // one combined test keeps this wrapper small enough to inline; the rest is the cold path
    const got = CHECKS && (this.owned[q] !== 1 || (n >>> 0) !== n || n > handles.length)
      ? this.rxChecked(q, handles, n) : this.b.rx(q, handles, n);
    if (got > 0) {
      // Burst-size histogram: one add per non-empty burst, in the queue's own counter block
      // (every backend passes here, so null, ring and native ports are counted the same way).
      const h = this.qb0 + q * this.qs8 + this.hRx + bucketOf(got, this.hLast);
      this.f64[h] = this.f64[h]! + 1;
      // A capture armed on this queue (src/metrics/mirror.ts): one load per burst when not.
      if (this.u32[this.mirrorW] === q + 1) mirrorBurst(this, handles, got);
    }
    return got;
  }

  private rxChecked(q: number, handles: Uint32Array, n: number): number {
    if ((n >>> 0) !== n || n > handles.length) n = this.badCount(q, n, handles.length);
    if (this.owned[q] !== 1 && !this.claim(q)) return 0;
    return this.b.rx(q, handles, n);
  }

  private txChecked(q: number, handles: Uint32Array, n: number): number {
    if ((n >>> 0) !== n || n > handles.length) n = this.badCount(q, n, handles.length);
    if (this.owned[q] !== 1 && !this.claim(q)) return 0;
    return this.b.tx(q, handles, n);
  }

  /** Transmits handles[0..n) on queue q; returns how many were accepted (the rest stay yours).
   *  Handles that are no buffer of this port's pool are consumed and counted (badArgs). */
  txBurst(q: number, handles: Uint32Array, n: number): number {
    const sent = CHECKS && (this.owned[q] !== 1 || (n >>> 0) !== n || n > handles.length)
      ? this.txChecked(q, handles, n) : this.b.tx(q, handles, n);
    if (sent > 0) {
      const h = this.qb0 + q * this.qs8 + this.hTx + bucketOf(sent, this.hLast);
      this.f64[h] = this.f64[h]! + 1;
    }
    return sent;
  }

  /** f64 index of queue q's histogram (which: PORT_Q_HIST_RX or PORT_Q_HIST_TX). */
  histBase(q: number, which: number): number {
    return (L.PORT_Q_OFF + q * L.PORT_Q_SIZE + which) >> 3;
  }

  /** Packets waiting in queue q's RX ring (ring ports; undefined where the backend has no ring
   *  it can count without taking a lock). For the metrics scrape, not the hot path. */
  rxOccupancy(q: number): number | undefined {
    return this.open ? this.b.rxCount?.(q) : undefined;
  }

  /** Still open in this thread (its shared block is mapped). */
  get isOpen(): boolean {
    return this.open;
  }

  /** A count that is not a whole number within the array: counted, cut to what the array holds. */
  private badCount(q: number, n: number, len: number): number {
    this.countBad(q, 1);
    return n > len ? len : n >= 0 ? Math.floor(n) : 0;
  }

  /** Adds to queue q's badArgs counter (ignored for a queue that does not exist). */
  countBad(q: number, k: number): void {
    if (q >= 0 && q < this.queues && (q | 0) === q) {
      const i = this.counterBase(q) + BAD;
      this.f64[i] = this.f64[i]! + k;
    }
  }

  /** Claims queue q for the calling thread: ERR_RINGWAY_DEVICE_BUSY naming the owner when another
   *  live thread drives it (a dead owner's claim is taken over). Bursts do this on first use. */
  claimQueue(q: number): void {
    this.check();
    if (!(q >= 0 && q < this.queues && (q | 0) === q)) throw invalid(`port ${this.desc.spec} has ${this.queues} queues; queue ${q} does not exist`);
    native.portClaimQueue(this.id, q);
    this.owned[q] = 1;
  }

  // Cold path of the first burst on a queue. Never throws for a busy queue (the hot path does not
  // throw); use after close still throws ERR_RINGWAY_CLOSED, as every burst of a closed port.
  private claim(q: number): boolean {
    if (!this.open) throw closed(`port ${this.desc.spec}`);
    if (!(q >= 0 && q < this.queues && (q | 0) === q)) return false;
    try {
      this.claimQueue(q);
      return true;
    } catch (e) {
      this.countBad(q, 1);
      if (this.busyWarned[q] === 0) {
        this.busyWarned[q] = 1;
        process.emitWarning((e as Error).message, { code: 'RINGWAY_QUEUE_BUSY' });
      }
      return false;
    }
  }

  /** Why RX on queue q stopped, when an error stopped it (pcap: a corrupt record; counted in ierrors). */
  rxError(q = 0): string | undefined {
    this.check();
    return native.portRxError(this.id, q) ?? undefined;
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
    return this.qb0 + q * this.qs8;
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

  /** af_packet, tap, af_xdp ports: interface, mode in use and why; re-reads link state and MTU
   *  from the kernel into the shared block (so info() shows them too). Not for the hot path. */
  kernelInfo(): KernelPortInfo {
    this.check();
    if (!KERNEL_KINDS.has(this.kind)) throw invalid(`port ${this.desc.spec} is not a kernel-interface port (af_packet, tap, af_xdp)`);
    return native.portKernelInfo(this.id);
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
    for (let q = 0; q < this.queues; q++) {
      if (this.owned[q] === 1) native.portReleaseQueue(this.id, q);
    }
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

const KERNEL_KINDS = new Set(['af_packet', 'tap', 'af_xdp']);

/**
 * The loud warning for a NIC without IOMMU confinement (uio_pci_generic, vfio-pci no-IOMMU): the
 * device can DMA anywhere in physical memory, so a buggy or hostile device (or a bug of ours)
 * can corrupt the kernel and every process (docs/security.md). Returned, not printed, so a test
 * can check it; Port.open emits it once per device.
 */
export function noIommuWarning(route: string, bdf: string): string | undefined {
  if (route !== 'uio' && route !== 'vfio-noiommu') return undefined;
  const bar = '!'.repeat(78);
  return `\n${bar}\n!! ringway: ${bdf} runs WITHOUT IOMMU PROTECTION (${route}).\n` +
    '!! The NIC can read and write ALL physical memory: a device or driver bug can corrupt the kernel\n' +
    '!! and every process, and a hostile device owns the machine. Use vfio-pci with an IOMMU\n' +
    `!! (\`ringway bind ${bdf} --driver vfio-pci\`, intel_iommu=on / amd_iommu=on) outside of tests.\n` +
    '!! See docs/security.md.\n' + bar;
}

const warnedNoIommu = new Set<string>();
function warnNoIommu(id: number): void {
  let v: { route: string; bdf: string };
  try {
    v = native.portVirtioInfo(id);
  } catch {
    return; // the port is open either way; its info call failing must not leak it
  }
  const w = noIommuWarning(v.route, v.bdf);
  if (w !== undefined && !warnedNoIommu.has(v.bdf)) {
    warnedNoIommu.add(v.bdf);
    process.emitWarning(w, { code: 'RINGWAY_NO_IOMMU' });
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
    case 'af_packet':
    case 'tap':
    case 'af_xdp':
      return new NativeBackend(p);
    default:
      throw new RingwayError(Codes.UNSUPPORTED, `port kind '${p.kind}' has no backend in this build`);
  }
}
