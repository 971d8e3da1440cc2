import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, resolveReps, runBench } from '../../bench/lib/harness.js';

test('median of odd and even counts, input left unsorted', () => {
  const xs = [5, 1, 3];
  assert.equal(median(xs), 3);
  assert.deepEqual(xs, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /empty/);
});

test('BENCH_REPS overrides the spec, which overrides the default of 5', () => {
  assert.equal(resolveReps(undefined, ''), 5); // '' = unset; undefined would read the real env
  assert.equal(resolveReps(3, ''), 3);
  assert.equal(resolveReps(3, '7'), 7);
  assert.throws(() => resolveReps(3, '0'), /BENCH_REPS/);
  assert.throws(() => resolveReps(3, 'x'), /BENCH_REPS/);
});

test('runBench alternates the order, takes medians and prints the JSON last', async (t) => {
  // A caller's BENCH_REPS would override reps: 3, and BENCH_IDLE_GATE would make the test wait.
  const saved = { BENCH_REPS: process.env['BENCH_REPS'], BENCH_IDLE_GATE: process.env['BENCH_IDLE_GATE'] };
  delete process.env['BENCH_REPS'];
  delete process.env['BENCH_IDLE_GATE'];
  t.after(() => Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined))));
  const lines: string[] = [];
  t.mock.method(console, 'log', (line: string) => void lines.push(line));
  const calls: string[] = [];
  const oursValues = [10, 12, 11];
  const theirsValues = [5, 4, 6];
  const result = await runBench({
    name: 'unit',
    unit: 'Mpps',
    peer: 'fake peer',
    reps: 3,
    ours: async () => (calls.push('ours'), oursValues[calls.filter((c) => c === 'ours').length - 1] as number),
    theirs: async () => (calls.push('theirs'), theirsValues[calls.filter((c) => c === 'theirs').length - 1] as number),
    context: () => ({ memory: 'no-huge' }),
  });
  t.mock.restoreAll();
  assert.deepEqual(calls, ['ours', 'theirs', 'theirs', 'ours', 'ours', 'theirs']);
  const last = JSON.parse(lines.at(-1) as string) as Record<string, unknown>;
  assert.deepEqual(last, JSON.parse(JSON.stringify(result)));
  assert.deepEqual(Object.keys(last).slice(0, 6), ['bench', 'unit', 'ours', 'peer', 'theirs', 'ratio']);
  assert.equal(result.ours, 11);
  assert.equal(result.theirs, 5);
  assert.equal(result.ratio, 2.2);
  assert.equal(result.noise.ours_min, 10);
  assert.equal(result.noise.theirs_max, 6);
  assert.equal(result.noise.contended, 0);
  // per rep: 10/5, 12/4, 11/6
  assert.equal(result.noise.paired_ratio_median, 2);
  assert.equal(result.noise.paired_ratio_min, 1.833);
  assert.equal(result.noise.paired_ratio_max, 3);
  assert.deepEqual(result.context, { memory: 'no-huge' });
  assert.equal(lines.filter((l) => /rep \d\/3/.test(l)).length, 6, 'one line per sample');
});

test('runBench fails on a zero rate instead of printing ratio Infinity', async (t) => {
  t.mock.method(console, 'log', () => {});
  await assert.rejects(
    runBench({ name: 'unit', unit: 'Mpps', peer: 'p', reps: 1, ours: async () => 1, theirs: async () => 0 }),
    /theirs returned 0/,
  );
});
