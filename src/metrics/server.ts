// The /metrics endpoint: node:http serving a prom-client Registry. Binds 127.0.0.1 unless told
// otherwise (counters tell an outsider what the datapath carries; exposing them is a choice).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type client from 'prom-client';
import { Codes, RingwayError, invalid } from '../errors.js';

export interface Address {
  host: string;
  port: number;
}

/** `HOST:PORT`, `[v6]:PORT`, `:PORT` or `PORT` (host 127.0.0.1); port 0 picks a free one. */
export function parseAddress(s: string): Address {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s) ?? /^()()(\d+)$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw invalid(`metrics address '${s}': use HOST:PORT such as 127.0.0.1:9091 (or just a port)`);
  }
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

export class MetricsServer {
  private constructor(private readonly server: http.Server, readonly address: Address) {}

  /** Starts listening; a taken address is a clear error naming it (another datapath, probably). */
  static async start(reg: client.Registry, addr: Address | string = '127.0.0.1:9091'): Promise<MetricsServer> {
    const a = typeof addr === 'string' ? parseAddress(addr) : addr;
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || (path !== '/metrics' && path !== '/')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('ringway: only GET /metrics is served here\n');
        return;
      }
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ringway metrics: GET /metrics\n');
        return;
      }
      reg.metrics().then(
        (body) => res.writeHead(200, { 'content-type': reg.contentType }).end(body),
        (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`ringway: collecting metrics failed: ${e.message}\n`),
      );
    });
    await new Promise<void>((res, rej) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EADDRINUSE') {
          rej(new RingwayError(Codes.IO, `metrics address ${a.host}:${a.port} is already in use (another ringway datapath, ` +
            `or another exporter?); choose a free one with --metrics HOST:PORT`));
        } else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') {
          rej(invalid(`metrics address ${a.host}:${a.port}: no such local address; use 127.0.0.1:PORT or an address of this machine`));
        } else if (e.code === 'EACCES') {
          rej(new RingwayError(Codes.IO, `metrics address ${a.host}:${a.port}: permission denied (ports below 1024 need root); use a port above 1024`));
        } else rej(e);
      });
      server.listen(a.port, a.host, () => res());
    });
    server.unref(); // a metrics endpoint never keeps a finished datapath alive
    const bound = server.address() as AddressInfo;
    return new MetricsServer(server, { host: a.host, port: bound.port });
  }

  get url(): string {
    const h = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `http://${h}:${this.address.port}/metrics`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections?.();
    await new Promise<void>((res) => this.server.close(() => res()));
  }
}
