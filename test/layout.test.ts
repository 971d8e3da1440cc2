// Drift test: every shared-layout constant TypeScript uses must equal the one Rust defines.
import test from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../src/native.js';
import * as ring from '../src/ring/layout.js';
import * as pool from '../src/memory/layout.js';
import * as port from '../src/port/layout.js';
import * as lpm from '../src/apps/nf/lpm-layout.js';

test('TS layout constants equal the Rust definitions (and cover all of them)', () => {
  const rust = native.layout();
  const ts: Record<string, number> = { ...ring, ...pool, ...port, ...lpm };
  assert.deepEqual(Object.keys(ts).sort(), Object.keys(rust).sort(), 'same set of names');
  for (const [k, v] of Object.entries(rust)) assert.equal(ts[k], v, `${k}: TS ${ts[k]} vs Rust ${v}`);
});
