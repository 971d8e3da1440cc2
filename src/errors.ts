// The one table of ringway error codes (the native ones are crates/core/src/error.rs's, which the
// binding sets as `err.code` of the errors it throws). Errors raised in TypeScript are
// RingwayError; errors from the addon are plain Errors with the same `code`: test `err.code`.

export const Codes = {
  INVALID_ARGUMENT: 'ERR_RINGWAY_INVALID_ARGUMENT',
  NO_HUGEPAGES: 'ERR_RINGWAY_NO_HUGEPAGES',
  MEMLOCK: 'ERR_RINGWAY_MEMLOCK',
  OUT_OF_MEMORY: 'ERR_RINGWAY_OUT_OF_MEMORY',
  CLOSED: 'ERR_RINGWAY_CLOSED',
  IO: 'ERR_RINGWAY_IO',
  DEVICE: 'ERR_RINGWAY_DEVICE',
  DEVICE_BUSY: 'ERR_RINGWAY_DEVICE_BUSY',
  UNSUPPORTED: 'ERR_RINGWAY_UNSUPPORTED',
  MALFORMED: 'ERR_RINGWAY_MALFORMED',
  BAD_SPEC: 'ERR_RINGWAY_BAD_SPEC',
  NO_ADDON: 'ERR_RINGWAY_NO_ADDON',
  WORKER_DIED: 'ERR_RINGWAY_WORKER_DIED',
  BAD_CONFIG: 'ERR_RINGWAY_BAD_CONFIG',
  /** A buffer freed twice (or more frees than the pool has buffers). */
  DOUBLE_FREE: 'ERR_RINGWAY_DOUBLE_FREE',
  /** A bug inside ringway: a caught Rust panic, the message names the native call. */
  INTERNAL: 'ERR_RINGWAY_INTERNAL',
} as const;

export type Code = (typeof Codes)[keyof typeof Codes];

export class RingwayError extends Error {
  readonly code: Code;
  constructor(code: Code, message: string) {
    super(message);
    this.name = 'RingwayError';
    this.code = code;
  }
}

export function invalid(message: string): RingwayError {
  return new RingwayError(Codes.INVALID_ARGUMENT, message);
}

export function closed(what: string): RingwayError {
  return new RingwayError(Codes.CLOSED, `${what} is closed; open a new one`);
}
