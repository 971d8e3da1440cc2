// The host side of a benchmark that runs inside one QEMU guest boot (virtio-qemu, virtio-irq):
// checks for QEMU, builds the guest image if the lab has none, boots test/qemu/boot.sh with a
// guest script, echoes the log lines that matter and returns the whole guest log.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findOnPath } from '../../test/lib/skip.js';

const qemuDir = fileURLToPath(new URL('../../../test/qemu/', import.meta.url));

/** BENCH_SECONDS (default 5): seconds per run inside the guest. */
export function guestSeconds(): number {
  const secs = Number(process.env['BENCH_SECONDS'] ?? 5);
  if (!Number.isInteger(secs) || secs < 1) throw new Error('BENCH_SECONDS must be a positive integer');
  return secs;
}

export interface GuestBoot {
  /** boot name: the log is lab/out/NAME.log */
  name: string;
  /** guest script under test/qemu/guest/ */
  script: string;
  /** kernel command line parameters for the script (ringway.*) */
  append: string;
  /** boot timeout in seconds */
  timeout: number;
  /** log lines to echo to stdout */
  show: RegExp;
}

/** Boots one guest for the benchmark and returns its log; throws if the boot failed. */
export function bootGuest(o: GuestBoot): string {
  if (!findOnPath('qemu-system-x86_64')) throw new Error('qemu-system-x86_64 missing; install with: apt-get install -y qemu-system-x86 busybox-static kmod cpio');
  const lab = process.env['RINGWAY_QEMU_LAB'] ?? `${qemuDir}lab`;
  if (!existsSync(`${lab}/initramfs.cpio.gz`)) {
    const b = spawnSync('bash', [`${qemuDir}build-guest.sh`], { stdio: 'inherit' });
    if (b.status !== 0) throw new Error('test/qemu/build-guest.sh failed');
  }
  const r = spawnSync('bash', [`${qemuDir}boot.sh`, `${qemuDir}guest/${o.script}`], {
    env: { ...process.env, NICS: 'viommu', TOPO: 'pair', NAME: o.name, TIMEOUT: String(o.timeout), APPEND: o.append },
    encoding: 'utf8',
  });
  const file = `${lab}/out/${o.name}.log`;
  const log = readFileSync(file, 'utf8');
  for (const l of log.split(/\r?\n/)) if (o.show.test(l)) console.log(l.replace(/^\[[ 0-9.]*\] /, ''));
  if (r.status !== 0) throw new Error(`guest benchmark failed (boot.sh status ${r.status}); log: ${file}`);
  return log;
}
