// `ringway devices`: PCI network functions, their driver and IOMMU group, and whether ringway can
// drive them (and by which route), like `dpdk-devbind.py --status-dev net`.
import { native } from '../native.js';

export interface DeviceRow {
  bdf: string;
  id: string;
  name: string;
  driver?: string | null;
  iommuGroup?: number | null;
  interfaces: string[];
  usable: string;
  note: string;
}

/** One line per device, fixed columns: BDF, vendor:device, driver, IOMMU group, usable, name / if / note. */
export function formatDevices(rows: DeviceRow[]): string {
  if (rows.length === 0) return 'no PCI network devices found (is /sys/bus/pci mounted?)\n';
  const head = ['BDF', 'ID', 'DRIVER', 'IOMMU', 'USABLE', 'NAME / INTERFACES / HOW'];
  const body = rows.map((d) => [
    d.bdf,
    d.id,
    d.driver ?? '-',
    d.iommuGroup == null ? '-' : String(d.iommuGroup),
    d.usable,
    [d.name || 'unknown NIC', d.interfaces.length ? `if=${d.interfaces.join(',')}` : '', d.note].filter(Boolean).join('; '),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

export function devicesCommand(argv: string[]): number {
  const rows = native.pciDevices() as DeviceRow[];
  if (argv.includes('--json')) process.stdout.write(JSON.stringify(rows) + '\n');
  else process.stdout.write(formatDevices(rows));
  return 0;
}
