// PcapWriter: records every packet of its input into a classic pcap file (a tap on a link), then
// forwards the packet on its output if that is linked, otherwise frees it.
//
// A thin app over the native pcap port (`pcap:tx=FILE`, crates/core/src/port/pcap.rs): one N-API
// call per burst, the file is written in Rust from the pool's memory with a 64 KiB buffered
// writer, nanosecond timestamps, and tshark reads it (test/apps/pcap.test.ts). A pcap port's TX
// takes ownership of what it writes (it frees the buffers), so:
//   - output not linked: the burst itself goes to the port (no copy at all);
//   - output linked: the port gets copies (copy.ts: a memmove inside the pool per packet, no
//     allocation), the originals move on. A copy the pool cannot supply is a record lost, counted
//     as a drop 'nombuf' (as Tee counts a copy it could not make); the packet itself still goes on.
// The port has one queue: the app writes on queue 0 whatever queue its engine runs, so run it in
// one engine only (one file per writer).
import { App, type AppContext } from '../pipeline/app.js';
import { LINK_CAPACITY } from '../pipeline/link.js';
import type { Port } from '../port/port.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { copyBurst } from './copy.js';

const NOMBUF = 0, WRITE_FAILED = 1;

export class PcapWriter extends App {
  static override schema = {
    /** The capture file (created, or truncated). No ',' (it goes into a port spec). */
    file: f.string({ pattern: /^[^,]+$/, example: '/tmp/tap.pcap' }),
  };
  static override inputs = ['in'] as const;
  static override outputs = ['out'] as const;
  static override dropReasons = ['nombuf', 'write-failed'];
  declare readonly config: ConfigOf<typeof PcapWriter.schema>;
  readonly port: Port;
  private readonly copies = new Uint32Array(LINK_CAPACITY);

  constructor(ctx: AppContext, config: ConfigOf<typeof PcapWriter.schema>) {
    super(ctx, config);
    this.port = ctx.port(`pcap:tx=${config.file}`);
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const o = this.out[0]!;
    if (o.capacity === 0) {
      // Nothing downstream: the port records and frees the originals.
      const sent = this.port.txBurst(0, hs, n);
      if (sent < n) this.drop(hs, n - sent, WRITE_FAILED, sent);
      this.countOut(sent);
      return;
    }
    const c = this.copies;
    const got = copyBurst(this.pool, hs, n, c);
    if (got < n) this.countDrop(n - got, NOMBUF);
    if (got > 0) {
      const sent = this.port.txBurst(0, c, got);
      if (sent < got) {
        // the port refused (its queue lock was taken): those copies go back, counted
        this.pool.freeBurst(c, got - sent, sent);
        this.countDrop(got - sent, WRITE_FAILED);
      }
    }
    o.send(hs, n);
  }
}
