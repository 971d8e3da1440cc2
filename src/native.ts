// The ONLY module that imports the generated napi-rs binding (native/binding.cjs, built by
// `npm run build:native`, never committed). It is exported as is: native errors already carry
// their stable code in `err.code` (crates/node/src/errors.rs sets it as napi-rs's error status),
// so no call is wrapped. Internal to the library: src/index.ts does not re-export it, and tests
// that need the binding's test hooks import this file.
import { createRequire } from 'node:module';
import type * as Binding from '../native/binding.js';
import { Codes, RingwayError } from './errors.js';

const require = createRequire(import.meta.url);

function load(): typeof Binding {
  try {
    return require('../../native/binding.cjs') as typeof Binding;
  } catch (e) {
    throw new RingwayError(
      Codes.NO_ADDON,
      `ringway: the native addon is not built (${(e as Error).message}). ` +
        'Run `npm install` (or `npm run build:native`) in the ringway package; it needs cargo (rustup) and a C compiler.',
    );
  }
}

export const native: typeof Binding = load();

/**
 * How this process's views of shared memory are made (crates/node/src/shared_views.rs): "shared"
 * where the running Node exports node_api_create_external_sharedarraybuffer (SharedArrayBuffer
 * views), else "external" (external ArrayBuffer views). Fixed for the process.
 */
export type MemoryMode = 'shared' | 'external';
export const memoryMode = native.memoryMode() as MemoryMode;

/** One thread's mapping of a shared object, as `native.mapView` returns it in either mode. */
export type MemoryView = ArrayBuffer | SharedArrayBuffer;
