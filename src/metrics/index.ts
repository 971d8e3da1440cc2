// Observability for a running datapath: a /metrics endpoint (prom-client) and a control socket
// (top, stats, capture), both reading the shared counters of what is registered.
//
//   const m = await Metrics.start({ listen: '127.0.0.1:9091', control: 'fwd' });
//   m.sources.registerPort('a', port); m.sources.registerPool('fwd', pool);
//   m.sources.registerPipeline('p0', () => ({ counters, slots, worker: 'w0', restarts }));
import type client from 'prom-client';
import { Sources } from './sources.js';
import { createRegistry, type RegistryOptions } from './registry.js';
import { MetricsServer } from './server.js';
import { ControlServer } from './control.js';
import type { Supervisor } from '../pipeline/supervisor.js';
import type { FwdWatch } from '../fwd/forwarder.js';

export { Sources, type Snapshot, type PipelineSource } from './sources.js';
export { createRegistry, servedNames, DEFS, HISTOGRAM_NAME } from './registry.js';
export { MetricsServer, parseAddress } from './server.js';
export { ControlServer, controlDir, socketPath, findSocket, connectControl } from './control.js';
export { Mirror } from './mirror.js';

export interface MetricsOptions extends RegistryOptions {
  /** HTTP address for /metrics (HOST:PORT); absent: no HTTP endpoint. */
  listen?: string;
  /** Control socket name (in controlDir()) or absent for none. */
  control?: string;
  /** Called when a stale control socket from a dead process was replaced. */
  onStale?: (path: string) => void;
  /** When `control` is taken by another running datapath, use `control-PID` instead of failing
   *  (for a default name; a name the user chose should fail clearly). */
  controlFallback?: boolean;
}

export class Metrics {
  private constructor(
    readonly sources: Sources,
    readonly registry: client.Registry,
    readonly http: MetricsServer | undefined,
    readonly control: ControlServer | undefined,
  ) {}

  static async start(o: MetricsOptions = {}): Promise<Metrics> {
    const sources = new Sources();
    const registry = createRegistry(sources, o);
    const http = o.listen !== undefined ? await MetricsServer.start(registry, o.listen) : undefined;
    let control: ControlServer | undefined;
    try {
      if (o.control !== undefined) {
        const opts = o.onStale ? { onStale: o.onStale } : {};
        try {
          control = await ControlServer.start(sources, { name: o.control, ...opts });
        } catch (e) {
          if (!o.controlFallback || !/in use by another running datapath/.test((e as Error).message)) throw e;
          control = await ControlServer.start(sources, { name: `${o.control}-${process.pid}`, ...opts });
        }
      }
    } catch (e) {
      await http?.close();
      throw e;
    }
    return new Metrics(sources, registry, http, control);
  }

  /** Registers what runForwarder hands its onStart hook (ports named a and b, as in its output),
   *  and the engine counters of its workers. */
  watchForwarder(ctx: FwdWatch, name = 'fwd'): void {
    ctx.ports.forEach((p, i) => this.sources.registerPort('ab'[i] ?? `p${i}`, p));
    this.sources.registerPool(name, ctx.pool);
    this.sources.registerForwarder(name, ctx.perQueue);
    this.watchSupervisor(ctx.supervisor, name);
  }

  /** Registers a supervised pipeline: the engine counters of each worker (a restarted worker's
   *  new block is picked up at the next read), and every port and the pool it opened. */
  watchSupervisor(sup: Supervisor, name = 'pipeline', withPorts = false): void {
    for (const w of sup.workers()) this.sources.registerPipeline(`${name}/${w}`, () => sup.pipelineSource(w));
    if (withPorts) {
      for (const p of sup.portStats()) {
        const port = sup.port(p.name);
        if (port) this.sources.registerPort(p.name, port);
      }
      this.sources.registerPool(name, sup.pool);
    }
  }

  async close(): Promise<void> {
    await this.control?.close();
    await this.http?.close();
  }
}
