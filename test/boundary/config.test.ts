// Configuration errors, one test per class of option: every bad value is a RingwayError with a
// stable code whose message names the option and the fix (issue 13, deliverable 6).
import test from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from '../../src/memory/pool.js';
import { Port, noIommuWarning } from '../../src/port/port.js';
import { RingRegion } from '../../src/ring/ring.js';

type CodedError = Error & { code?: string };
const code = (c: string, re: RegExp) => (e: CodedError) => e.code === c && re.test(e.message);
const INVALID = 'ERR_RINGWAY_INVALID_ARGUMENT';

test('pool options: types, ranges and enums name the option and an example', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ buffers: -1 }, /pool option buffers: -1 is not a whole number of buffers; e.g. buffers: 8192/],
    [{ buffers: 1.5 }, /pool option buffers: 1.5/],
    [{ buffers: '64' }, /pool option buffers: "64"/],
    [{ buffers: 0 }, /0 buffers is out of range; use 1 .. 16777216/],
    [{ buffers: 64, dataRoom: 10 }, /data room 10 .* out of range/],
    [{ buffers: 64, headroom: -5 }, /pool option headroom: -5 .*e.g. headroom: 128/],
    [{ buffers: 64, cacheSize: 5000 }, /cache size 5000 is too large/],
    [{ buffers: 64, hugepages: 'maybe' }, /hugepages: 'maybe' is not one of auto, require, never/],
    [{ buffers: 64, lock: 'always' }, /lock: 'always' is not one of best-effort, required/],
    [{ buffers: 64, debug: 'yes' }, /pool option debug: must be true or false/],
  ];
  for (const [o, re] of bad) assert.throws(() => Pool.create({ hugepages: 'never', ...o } as never), code(INVALID, re), JSON.stringify(o));
});

test('port options: pool and queue count', () => {
  const pool = Pool.create({ buffers: 64, hugepages: 'never' });
  assert.throws(() => Port.open('null:size=64', { pool, queues: 1.5 }), code(INVALID, /queues 1.5; use a whole number from 1 to 64/));
  assert.throws(() => Port.open('null:size=64', { pool, queues: 65 }), code(INVALID, /queues 65/));
  assert.throws(() => Port.open('null:size=64', {} as never), code(INVALID, /options need a pool/));
  const p = Port.open('null:size=64', { pool, queues: 2 });
  assert.throws(() => p.claimQueue(2), code(INVALID, /has 2 queues; queue 2 does not exist/));
  p.close();
  pool.close();
});

test('ring and pool handles: capacity and user slots', () => {
  assert.throws(() => RingRegion.create(1000), code(INVALID, /ring capacity 1000 must be a power of two/));
  const pool = Pool.create({ buffers: 8, hugepages: 'never' });
  assert.throws(() => pool.reclaimUser(64), code(INVALID, /user slot 64 does not exist; slots are 0 .. 63/));
  pool.close();
});

test('no-IOMMU routes get the loud warning, IOMMU-confined vfio none', () => {
  for (const route of ['uio', 'vfio-noiommu']) {
    const w = noIommuWarning(route, '0000:00:10.0');
    assert.match(w ?? '', /0000:00:10\.0 runs WITHOUT IOMMU PROTECTION/);
    assert.match(w ?? '', /ALL physical memory.*\n.*vfio-pci with an IOMMU/);
    assert.match(w ?? '', /docs\/security\.md/);
  }
  assert.equal(noIommuWarning('vfio', '0000:00:10.0'), undefined);
});
