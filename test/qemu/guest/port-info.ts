// Guest-side helper (test/qemu/guest/cases.sh): opens virtio ports through the public TS API
// (Pool.create + Port.open), prints what Port.info() and Port.virtioInfo() say as key=value lines,
// closes them and reports whether every buffer came back.
//
//   node dist/test/qemu/guest/port-info.js SPEC... [--queues N] [--no-huge]
//
// --no-huge: the pool uses ordinary pages (hugepages: 'never'), to check the physical-address
// routes refuse it.
//
// Errors are printed as `error=[CODE] message` with exit status 1.
import { Pool } from '../../../src/memory/pool.js';
import { Port } from '../../../src/port/port.js';

const args = process.argv.slice(2);
const qi = args.indexOf('--queues');
const queues = qi >= 0 ? Number(args.splice(qi, 2)[1]) : 1;
const ni = args.indexOf('--no-huge');
if (ni >= 0) args.splice(ni, 1);
const pool = Pool.create({ name: 'guest-info', buffers: 2048, hugepages: ni >= 0 ? 'never' : 'auto' });
let rc = 0;
for (const spec of args) {
  try {
    const p = Port.open(spec, { pool, queues });
    const i = p.info();
    const v = p.virtioInfo();
    console.log(`spec=${spec} kind=${p.kind} mac=${i.mac} link_up=${i.linkUp} driver=${i.driver} ` +
      `route=${v.route} transport=${v.transport} features=${v.features} queues=${i.rxQueues}`);
    p.close();
  } catch (e) {
    const err = e as Error & { code?: string };
    console.log(`spec=${spec} error=[${err.code ?? 'no code'}] ${err.message}`);
    rc = 1;
  }
}
const s = pool.stats();
const a = pool.audit();
console.log(`pool_after_close=${s.ringFree + s.cached}/${s.total} in_use=${s.inUse} missing=${a.missing} duplicates=${a.duplicates}`);
pool.close();
process.exitCode = rc;
