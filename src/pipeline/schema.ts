// Typed, validated app configuration (Snabb's app config tables, with types). An app class declares
// `static schema = { port: f.string(), burst: f.int({ min: 1, max: 1024, default: 32 }) }`; the
// engine validates a configuration against it before anything changes, and every error names the
// app, the field and what would be accepted. Configurations are plain data (JSON-able), so two of
// them compare by value when a new graph is applied as a diff.
import { Codes, RingwayError } from '../errors.js';

export interface Field<T> {
  readonly kind: string;
  /** Absent is allowed (the value is then `default`, possibly undefined). */
  readonly optional: boolean;
  readonly default?: T;
  /** What is accepted, for error messages ("an integer 1..1024"). */
  readonly accepts: string;
  /** Returns the value, or a string saying what is wrong with it. */
  check(v: unknown): T | { error: string };
}

export type Schema = Record<string, Field<unknown>>;

/** The validated configuration an app receives. */
export type ConfigOf<S extends Schema> = { [K in keyof S]: S[K] extends Field<infer T> ? T : never };

type OptionalKeys<S extends Schema> = { [K in keyof S]: S[K]['optional'] extends true ? K : never }[keyof S];
/** What a user writes: fields with a default or marked optional may be left out. */
export type ConfigInput<S extends Schema> =
  { [K in Exclude<keyof S, OptionalKeys<S>>]: ConfigOf<S>[K] } & { [K in OptionalKeys<S>]?: ConfigOf<S>[K] };

export class ConfigError extends RingwayError {
  constructor(message: string) {
    super(Codes.BAD_CONFIG, message);
    this.name = 'ConfigError';
  }
}

interface Opts<T> { default?: T; optional?: boolean }

function field<T>(kind: string, accepts: string, o: Opts<T> | undefined, check: (v: unknown) => T | { error: string }): Field<T> {
  const optional = o?.optional === true || o?.default !== undefined;
  const f: Field<T> = { kind, optional, accepts, check };
  if (o?.default !== undefined) (f as { default?: T }).default = o.default;
  return f;
}

const bad = (error: string) => ({ error });
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Field constructors. `{ optional: true }` or a `default` makes a field optional. */
export const f = {
  string<O extends Opts<string> & { pattern?: RegExp; example?: string }>(o?: O): Field<string> & { optional: O extends { default: string } | { optional: true } ? true : false } {
    const accepts = `a string${o?.example ? ` such as ${JSON.stringify(o.example)}` : ''}`;
    return field('string', accepts, o, (v) =>
      typeof v !== 'string' || v.length === 0 ? bad(`${show(v)} is not ${accepts}`)
        : o?.pattern && !o.pattern.test(v) ? bad(`${show(v)} does not match ${o.pattern}`) : v) as never;
  },
  int<O extends Opts<number> & { min?: number; max?: number }>(o?: O): Field<number> & { optional: O extends { default: number } | { optional: true } ? true : false } {
    const min = o?.min ?? Number.MIN_SAFE_INTEGER, max = o?.max ?? Number.MAX_SAFE_INTEGER;
    const accepts = o?.min !== undefined || o?.max !== undefined ? `an integer ${o?.min ?? ''}..${o?.max ?? ''}` : 'an integer';
    return field('int', accepts, o, (v) =>
      typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? v : bad(`${show(v)} is not ${accepts}`)) as never;
  },
  number<O extends Opts<number> & { min?: number; max?: number }>(o?: O): Field<number> & { optional: O extends { default: number } | { optional: true } ? true : false } {
    const min = o?.min ?? -Infinity, max = o?.max ?? Infinity;
    const accepts = `a number ${o?.min ?? ''}..${o?.max ?? ''}`;
    return field('number', accepts, o, (v) =>
      typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : bad(`${show(v)} is not ${accepts}`)) as never;
  },
  bool<O extends Opts<boolean>>(o?: O): Field<boolean> & { optional: O extends { default: boolean } | { optional: true } ? true : false } {
    return field('bool', 'true or false', o, (v) => (typeof v === 'boolean' ? v : bad(`${show(v)} is not true or false`))) as never;
  },
  enum<V extends string, O extends Opts<V>>(values: readonly V[], o?: O): Field<V> & { optional: O extends { default: V } | { optional: true } ? true : false } {
    const accepts = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
    return field('enum', accepts, o, (v) => (values.includes(v as V) ? (v as V) : bad(`${show(v)} is not ${accepts}`))) as never;
  },
  /** A MAC address "02:00:00:00:00:01", kept as that lower-case string. */
  mac<O extends Opts<string>>(o?: O): Field<string> & { optional: O extends { default: string } | { optional: true } ? true : false } {
    const re = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;
    return field('mac', 'a MAC address such as "02:00:00:00:00:01"', o, (v) =>
      typeof v === 'string' && re.test(v) ? v.toLowerCase() : bad(`${show(v)} is not a MAC address such as "02:00:00:00:00:01"`)) as never;
  },
  /** A list whose every element is checked by `of`. */
  list<T, O extends Opts<T[]> & { max?: number }>(of: Field<T>, o?: O): Field<T[]> & { optional: O extends { default: T[] } | { optional: true } ? true : false } {
    const accepts = `a list of ${of.accepts}`;
    return field('list', accepts, o, (v) => {
      if (!Array.isArray(v)) return bad(`${show(v)} is not ${accepts}`);
      if (o?.max !== undefined && v.length > o.max) return bad(`${v.length} entries; at most ${o.max}`);
      const out: T[] = [];
      for (let i = 0; i < v.length; i++) {
        const r = of.check(v[i]);
        if (r !== null && typeof r === 'object' && 'error' in (r as object) && !Array.isArray(r)) return bad(`[${i}]: ${(r as { error: string }).error}`);
        out.push(r as T);
      }
      return out;
    }) as never;
  },
  /** Any JSON value the app checks itself (avoid: prefer typed fields). */
  json<T, O extends Opts<T>>(accepts: string, check: (v: unknown) => T | { error: string }, o?: O): Field<T> & { optional: O extends { default: T } | { optional: true } ? true : false } {
    return field('json', accepts, o, check) as never;
  },
};

function isError(r: unknown): r is { error: string } {
  return r !== null && typeof r === 'object' && !Array.isArray(r) && typeof (r as { error?: unknown }).error === 'string' && Object.keys(r).length === 1;
}

/**
 * Checks `raw` against `schema` for app `app` (of class `cls`): unknown fields, missing required
 * ones and bad values are ConfigErrors naming the app and the field. Returns a fresh object with
 * defaults filled in.
 */
export function validate(app: string, cls: string, schema: Schema, raw: unknown): Record<string, unknown> {
  const where = `app '${app}' (${cls})`;
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${where}: config must be an object of fields, not ${show(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!(k in schema)) {
      const known = Object.keys(schema);
      throw new ConfigError(`${where}: unknown field '${k}'; ${known.length ? `it takes ${known.join(', ')}` : 'it takes no configuration'}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, fd] of Object.entries(schema)) {
    const v = r[k];
    if (v === undefined) {
      if (!fd.optional) throw new ConfigError(`${where}: field '${k}' is required: ${fd.accepts}`);
      if (fd.default !== undefined) out[k] = structuredClone(fd.default);
      continue;
    }
    const c = fd.check(v);
    if (isError(c)) throw new ConfigError(`${where}: field '${k}': ${c.error}`);
    out[k] = c;
  }
  return out;
}
