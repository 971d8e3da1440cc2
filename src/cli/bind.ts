// `ringway bind BDF --driver vfio-pci|uio_pci_generic` and `ringway unbind BDF` (dpdk-devbind.py
// --bind / back to the kernel driver). Root only; the core loads the module when needed.
import { parseArgs } from 'node:util';
import { native } from '../native.js';
import { invalid } from '../errors.js';
import { formatDevices, type DeviceRow } from './devices.js';

export function bindCommand(argv: string[]): number {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { driver: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1) throw invalid('usage: ringway bind BDF --driver vfio-pci|uio_pci_generic');
  if (!values.driver) throw invalid('ringway bind: --driver vfio-pci|uio_pci_generic is required');
  const d = native.pciBind(positionals[0]!, values.driver) as DeviceRow;
  process.stdout.write(formatDevices([d]));
  return 0;
}

export function unbindCommand(argv: string[]): number {
  const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
  if (positionals.length !== 1) throw invalid('usage: ringway unbind BDF');
  const d = native.pciUnbind(positionals[0]!) as DeviceRow;
  process.stdout.write(formatDevices([d]));
  return 0;
}
