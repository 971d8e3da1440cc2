// The ONLY module that imports the generated napi-rs binding (native/binding.cjs, built by
// `npm run build:native`, never committed). Every function is wrapped once so native errors become
// RingwayError with a stable code (errors.ts); functions in HOT are exported unwrapped because they
// run once per burst and never throw.
import { createRequire } from 'node:module';
import type * as Binding from '../native/binding.js';
import { Codes, RingwayError, fromNative } from './errors.js';

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

// per-burst entry points: called directly (no try/catch wrapper); they never throw
const HOT = new Set<string>(['nativeRxBurst', 'nativeTxBurst']);

function wrap(b: typeof Binding): typeof Binding {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) {
    // classes (capitalised) keep their identity and statics; their factories map errors at the call site
    if (typeof v !== 'function' || HOT.has(k) || /^[A-Z]/.test(k)) {
      out[k] = v;
      continue;
    }
    const f = v as (...a: unknown[]) => unknown;
    out[k] = (...a: unknown[]) => {
      try {
        return f(...a);
      } catch (e) {
        throw fromNative(e);
      }
    };
  }
  return out as typeof Binding;
}

export const native: typeof Binding = wrap(load());

/**
 * How this process's views of shared memory are made (crates/node/src/shared_views.rs): "shared"
 * where the running Node exports node_api_create_external_sharedarraybuffer (SharedArrayBuffer
 * views), else "external" (external ArrayBuffer views). Fixed for the process.
 */
export type MemoryMode = 'shared' | 'external';
export const memoryMode = native.memoryMode() as MemoryMode;

/** One thread's mapping of a shared object, as `native.mapView` returns it in either mode. */
export type MemoryView = ArrayBuffer | SharedArrayBuffer;
