// The public surface (src/index.ts) is the typed library; the raw binding and its test hooks stay
// internal (src/native.ts), and native errors carry their code without any wrapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as api from '../src/index.js';

test('src/index.ts exports the typed library, not the raw binding', () => {
  assert.equal('native' in api, false);
  for (const name of ['Pool', 'PoolView', 'Ring', 'RingRegion', 'Port', 'runForwarder', 'Codes', 'RingwayError', 'memoryMode']) {
    assert.ok(name in api, `${name} is exported`);
  }
  assert.ok(api.memoryMode === 'shared' || api.memoryMode === 'external');
});

test('an error from the addon has its stable code in err.code (set natively, not parsed)', () => {
  assert.throws(() => api.RingRegion.create(3), (e: Error & { code?: string }) =>
    e.code === api.Codes.INVALID_ARGUMENT && e.message === 'ring capacity 3 must be a power of two (e.g. 1024)');
  assert.throws(() => api.Pool.create({ buffers: 16, hugepages: 'sometimes' as 'auto' }), (e: Error & { code?: string }) =>
    e.code === api.Codes.INVALID_ARGUMENT && /hugepages: 'sometimes' is not one of auto, require, never/.test(e.message));
});
