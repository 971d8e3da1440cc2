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

export interface InterfaceRow {
  name: string;
  ifindex: number;
  driver: string;
  mac: string;
  mtu: number;
  up: boolean;
  carrier: boolean;
  rxQueues: number;
  txQueues: number;
  xdpProg?: number | null;
  /** null: the kernel cannot say (netdev netlink family, Linux 6.3+) */
  xdpNative?: boolean | null;
  xdpZerocopy?: boolean | null;
}

/** What each kernel-interface port can do on the interface: af_packet everywhere, af_xdp modes, tap for TAPs. */
export function interfacePorts(i: InterfaceRow): string {
  const xdp = i.xdpNative == null ? 'af_xdp(skb; native unknown)' : i.xdpNative ? `af_xdp(native${i.xdpZerocopy ? ', zero-copy' : ', copy'})` : 'af_xdp(skb only)';
  return [`af_packet`, i.name === 'lo' ? '' : xdp, i.driver === 'tun' ? 'tap' : ''].filter(Boolean).join(' ');
}

/** Kernel interfaces: name, driver, queues, MTU, state, the ports that can use it, an attached XDP program. */
export function formatInterfaces(rows: InterfaceRow[]): string {
  if (rows.length === 0) return 'no network interfaces found (is /sys/class/net mounted?)\n';
  const head = ['IFACE', 'DRIVER', 'QUEUES', 'MTU', 'STATE', 'PORTS / NOTE'];
  const body = rows.map((i) => [
    i.name,
    i.driver,
    `${i.rxQueues}rx/${i.txQueues}tx`,
    String(i.mtu),
    i.up ? (i.carrier ? 'up' : 'no-carrier') : 'down',
    [interfacePorts(i), i.xdpProg ? `XDP program ${i.xdpProg} attached (af_xdp needs it free)` : ''].filter(Boolean).join('; '),
  ]);
  const w = head.map((h, k) => Math.max(h.length, ...body.map((r) => r[k]!.length)));
  const line = (r: string[]) => r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(w[k]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

export function devicesCommand(argv: string[]): number {
  // --kernel: only the kernel interfaces; --json keeps each list's own JSON shape
  const json = argv.includes('--json');
  const ifs = native.kernelInterfaces() as InterfaceRow[];
  if (argv.includes('--kernel')) {
    process.stdout.write(json ? JSON.stringify(ifs) + '\n' : formatInterfaces(ifs));
    return 0;
  }
  const rows = native.pciDevices() as DeviceRow[];
  if (json) process.stdout.write(JSON.stringify(rows) + '\n');
  else process.stdout.write(formatDevices(rows) + '\nKernel interfaces (af_packet:IFACE, af_xdp:IFACE, tap:NAME; `ringway devices --kernel --json`):\n' + formatInterfaces(ifs));
  return 0;
}
