// The ONLY module that imports the generated napi-rs binding (native/binding.cjs, built by
// `npm run build:native`, never committed). Everything else imports from here, so the binding's
// shape is checked in one place and errors are mapped in one place (errors.ts).
import { createRequire } from 'node:module';
import type * as Binding from '../native/binding.js';

const require = createRequire(import.meta.url);

function load(): typeof Binding {
  try {
    return require('../../native/binding.cjs') as typeof Binding;
  } catch (e) {
    const err = new Error(
      `ringway: the native addon is not built (${(e as Error).message}). ` +
        'Run `npm install` (or `npm run build:native`) in the ringway package; it needs cargo (rustup) and a C compiler.',
    );
    (err as Error & { code: string }).code = 'ERR_RINGWAY_NO_ADDON';
    throw err;
  }
}

export const native: typeof Binding = load();
