// The ports an engine's apps name by spec. Several apps may name the same port (PortIn receives
// on it, PortOut sends on it): it is opened once and shared, and closed when the last app that
// named it stops. An engine running alone opens ports itself (it owns them); an engine in a worker
// attaches to ports the supervisor opened in the main thread, by the descriptors it was given.
import type { Pool } from '../memory/pool.js';
import { Port, type PortDescriptor } from '../port/port.js';
import { ConfigError } from './schema.js';

export class PortTable {
  private readonly open = new Map<string, { port: Port; refs: number }>();

  /**
   * @param pool    owner mode: the pool ports are opened on (with `queues` queue pairs)
   * @param attach  worker mode: descriptors of the ports the supervisor opened, by spec
   */
  constructor(
    private readonly pool: Pool | number | null,
    private readonly queues: number,
    private attach: Record<string, PortDescriptor> | null,
  ) {}

  /** Port `key` (a name, or the spec itself) of `spec`, for app `app`. */
  get(key: string, spec: string, app: string): Port {
    const e = this.open.get(key);
    if (e && e.port.desc.spec !== spec) {
      throw new ConfigError(`app '${app}': port '${key}' is ${e.port.desc.spec}, not ${spec}; give different ports different names`);
    }
    if (e) {
      e.refs++;
      return e.port;
    }
    let port: Port;
    if (this.attach) {
      const d = this.attach[key];
      if (!d) throw new ConfigError(`app '${app}': port '${key}' was not opened for this worker; the supervisor opens every port the configuration names`);
      port = Port.attach(d);
    } else {
      port = Port.open(spec, { pool: this.pool!, queues: this.queues });
    }
    this.open.set(key, { port, refs: 1 });
    return port;
  }

  /** Worker mode: descriptors of ports opened since (a new configuration names them). */
  addDescriptors(d: Record<string, PortDescriptor>): void {
    if (this.attach) Object.assign(this.attach, d);
  }

  release(key: string): void {
    const e = this.open.get(key);
    if (!e || --e.refs > 0) return;
    this.open.delete(key);
    e.port.close();
  }

  /** Every open port (stats at stop, idle waits). */
  ports(): Port[] {
    return [...this.open.values()].map((e) => e.port);
  }

  closeAll(): void {
    for (const e of this.open.values()) e.port.close();
    this.open.clear();
  }
}
