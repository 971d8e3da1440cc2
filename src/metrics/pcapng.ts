// A minimal pcapng writer for `ringway capture` (draft-ietf-opsawg-pcapng): one Section Header
// Block, one Interface Description Block (Ethernet, microsecond timestamps: the default
// if_tsresol), then an Enhanced Packet Block per packet. Little-endian, as the SHB's byte-order
// magic tells readers.
import fs from 'node:fs';

const pad4 = (n: number) => (n + 3) & ~3;

export class PcapngWriter {
  private readonly fd: number;
  packets = 0;

  constructor(file: string, ifName: string, snaplen: number) {
    this.fd = fs.openSync(file, 'w');
    // pcapng §4.1 SHB: type 0x0A0D0D0A, length, byte-order magic, version 1.0, section length -1
    const shb = Buffer.alloc(28);
    shb.writeUInt32LE(0x0a0d0d0a, 0);
    shb.writeUInt32LE(28, 4);
    shb.writeUInt32LE(0x1a2b3c4d, 8);
    shb.writeUInt16LE(1, 12);
    shb.writeUInt16LE(0, 14);
    shb.writeBigInt64LE(-1n, 16);
    shb.writeUInt32LE(28, 24);
    // §4.2 IDB: type 1, LINKTYPE_ETHERNET (1), snaplen, option if_name (2), opt_endofopt
    const name = Buffer.from(ifName, 'utf8');
    const optLen = 4 + pad4(name.length) + 4;
    const len = 20 + optLen;
    const idb = Buffer.alloc(len);
    idb.writeUInt32LE(1, 0);
    idb.writeUInt32LE(len, 4);
    idb.writeUInt16LE(1, 8);
    idb.writeUInt32LE(snaplen, 12);
    idb.writeUInt16LE(2, 16);
    idb.writeUInt16LE(name.length, 18);
    name.copy(idb, 20);
    idb.writeUInt32LE(len, len - 4);
    fs.writeSync(this.fd, Buffer.concat([shb, idb]));
  }

  /** timeMs: ms since the epoch (fractional); origLen: the packet's length before snaplen. */
  write(timeMs: number, data: Uint8Array, origLen: number): void {
    // §4.3 EPB: type 6, length, interface 0, timestamp (us, high and low words), lengths, data
    const len = 28 + pad4(data.length) + 4;
    const b = Buffer.alloc(len);
    const us = BigInt(Math.round(timeMs * 1000));
    b.writeUInt32LE(6, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt32LE(0, 8);
    b.writeUInt32LE(Number(us >> 32n), 12);
    b.writeUInt32LE(Number(us & 0xffffffffn), 16);
    b.writeUInt32LE(data.length, 20);
    b.writeUInt32LE(origLen, 24);
    b.set(data, 28);
    b.writeUInt32LE(len, len - 4);
    fs.writeSync(this.fd, b);
    this.packets++;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
