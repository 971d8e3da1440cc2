// Host-side checks of `ringway devices|bind|unbind|hugepages` and of virtio port errors: what can
// run on any machine without taking a NIC away from the kernel (the guest suite in test/qemu does
// the real binding).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatDevices } from '../../src/cli/devices.js';
import { native } from '../../src/native.js';
import { Pool } from '../../src/memory/pool.js';
import { Port } from '../../src/port/port.js';

const cli = fileURLToPath(new URL('../../src/cli/ringway.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
type CodedError = Error & { code?: string };
const code = (c: string, re: RegExp) => (e: CodedError) => e.code === c && re.test(e.message);

test('formatDevices: aligned columns, one row per device', () => {
  const s = formatDevices([
    { bdf: '0000:00:10.0', id: '1af4:1041', name: 'virtio-net (modern)', driver: 'vfio-pci', iommuGroup: 3, interfaces: [], usable: 'vfio', note: 'ready' },
    { bdf: '0000:00:12.0', id: '8086:100e', name: '', driver: null, iommuGroup: null, interfaces: ['eth1'], usable: 'no', note: 'no driver' },
  ]);
  const lines = s.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^BDF {11}ID {9}DRIVER {4}IOMMU {2}USABLE {2}NAME/);
  assert.match(lines[1]!, /^0000:00:10\.0  1af4:1041  vfio-pci  3      vfio    virtio-net \(modern\); ready$/);
  assert.match(lines[2]!, /^0000:00:12\.0  8086:100e  -         -      no      unknown NIC; if=eth1; no driver$/);
  assert.equal(formatDevices([]), 'no PCI network devices found (is /sys/bus/pci mounted?)\n');
});

test('ringway devices lists exactly the PCI network functions of this machine', () => {
  let want: string[] = [];
  try {
    want = readdirSync('/sys/bus/pci/devices')
      .filter((b) => readFileSync(`/sys/bus/pci/devices/${b}/class`, 'utf8').startsWith('0x02'))
      .sort();
  } catch {
    /* no PCI bus in sysfs: the command must say so */
  }
  const r = run('devices');
  assert.equal(r.status, 0, r.stderr);
  // the PCI table ends at the blank line before the kernel interfaces (test/kernel/devices.test.ts)
  const rows = r.stdout.split('\n\n')[0]!.trimEnd().split('\n');
  assert.match(r.stdout, /Kernel interfaces/);
  if (want.length === 0) return void assert.match(r.stdout, /no PCI network devices found/);
  assert.match(rows[0]!, /^BDF +ID +DRIVER +IOMMU +USABLE +NAME/);
  assert.deepEqual(rows.slice(1).map((l) => l.split(/\s+/)[0]), want);
  for (const l of rows.slice(1)) assert.match(l, /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]  [0-9a-f]{4}:[0-9a-f]{4}  \S+ +\S+ +(vfio|uio|bind|no) +/, l);
  const json = JSON.parse(run('devices', '--json').stdout) as Array<{ bdf: string }>;
  assert.deepEqual(json.map((d) => d.bdf), want);
});

test('ringway bind/unbind: bad address, missing device, bad driver, usage', () => {
  const cases: Array<[string[], RegExp]> = [
    [['bind', 'xyz', '--driver', 'vfio-pci'], /\[ERR_RINGWAY_INVALID_ARGUMENT\] bad PCI address 'xyz': expected DDDD:BB:DD.F/],
    [['bind', '0000:00:1f.7', '--driver', 'e1000'], /driver 'e1000': use vfio-pci or uio_pci_generic/],
    [['bind', 'ffff:ff:1f.7', '--driver', 'vfio-pci'], /\[ERR_RINGWAY_DEVICE\] no PCI device ffff:ff:1f\.7/],
    [['unbind', 'ffff:ff:1f.7'], /no PCI device ffff:ff:1f\.7/],
    [['unbind', '00:03.0'], /bad PCI address '00:03.0'/],
    [['bind', '0000:00:03.0'], /--driver vfio-pci\|uio_pci_generic is required/],
    [['unbind'], /usage: ringway unbind BDF/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
});

test('ringway hugepages --show matches /proc/meminfo', () => {
  const r = run('hugepages', '--show');
  assert.equal(r.status, 0, r.stderr);
  const mi = readFileSync('/proc/meminfo', 'utf8');
  const f = (k: string) => /\d+/.exec(mi.split('\n').find((l) => l.startsWith(k)) ?? '0')![0];
  assert.match(r.stdout, new RegExp(`^hugepages: total=${f('HugePages_Total:')} free=\\d+ size=${f('Hugepagesize:')}kB`));
  assert.match(run('hugepages', '--reserve', 'many').stderr, /--reserve 'many' must be a page count/);
});

test('virtio ports: a NIC still owned by the kernel is refused with the bind command, never taken', () => {
  const pool = Pool.create({ buffers: 64, hugepages: 'never' });
  try {
    assert.throws(() => Port.open('virtio:ffff:ff:1f.7', { pool }), code('ERR_RINGWAY_DEVICE', /no PCI device ffff:ff:1f\.7/));
    assert.throws(() => Port.open('virtio:0000:00:03.0,transport=pci', { pool }), code('ERR_RINGWAY_INVALID_ARGUMENT', /transport=modern\|legacy/));
    const kernel = native.pciDevices().find((d) => d.id.startsWith('1af4:') && d.driver && d.usable === 'bind');
    if (!kernel) return; // no kernel-owned virtio-net here: nothing more to check safely
    assert.throws(() => Port.open(`virtio:${kernel.bdf}`, { pool }),
      code('ERR_RINGWAY_DEVICE_BUSY', new RegExp(`${kernel.bdf} is bound to the kernel driver ${kernel.driver}; run \`ringway bind ${kernel.bdf} --driver `)));
    assert.equal(native.pciDevices().find((d) => d.bdf === kernel.bdf)?.driver, kernel.driver, 'still the kernel\'s');
    assert.equal(pool.stats().inUse, 0);
  } finally {
    pool.close();
  }
});

test('bind/unbind/hugepages --reserve refuse non-root users, naming sudo', (t) => {
  // Run the CLI as nobody (setpriv from util-linux); sysfs and /proc/sys writes would fail for
  // nobody anyway, so this never touches a device even if the check regressed.
  if (process.getuid?.() !== 0) return void t.skip('skipped: needs root to drop to nobody');
  const dev = native.pciDevices()[0];
  const asNobody = (...args: string[]) =>
    spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cli, ...args], { encoding: 'utf8' });
  const probe = asNobody('hugepages', '--show');
  if (probe.error || probe.status !== 0) return void t.skip(`skipped: cannot run node as nobody (${probe.error?.message ?? probe.stderr.trim()})`);
  const r = asNobody('hugepages', '--reserve', '8');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[ERR_RINGWAY_DEVICE\] ringway hugepages --reserve writes \/proc\/sys\/vm\/nr_hugepages and needs root; run it with sudo/);
  if (dev) {
    const u = asNobody('unbind', dev.bdf);
    assert.equal(u.status, 1);
    assert.match(u.stderr, /ringway unbind writes to \/sys and needs root; run it with sudo/);
    const b = asNobody('bind', dev.bdf, '--driver', 'uio_pci_generic');
    assert.equal(b.status, 1);
    assert.match(b.stderr, /ringway bind writes to \/sys and needs root; run it with sudo/);
  }
});
