// Where a supervised pipeline's configuration comes from: a module whose export builds it (each
// worker imports the same module, so app classes need not cross threads), or plain JSON data
// resolved against the built-in apps. Both sides build from the same plain data.
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { builtinApps } from '../apps/index.js';
import { Config, type ConfigJSON } from './config.js';
import { ConfigError } from './schema.js';

/** What a configuration module's builder is called with. */
export interface BuildContext {
  /** The queue of the worker building it (0 in the supervisor). */
  queue: number;
  queues: number;
  /** Whatever the caller passed as `args` (plain data). */
  args: unknown;
}

export type Builder = (ctx: BuildContext) => Config | Promise<Config>;

export type ConfigSource =
  | { module: string; export?: string; args?: unknown }
  | { json: ConfigJSON };

export function moduleUrl(m: string): string {
  if (/^(file|data):/.test(m)) return m;
  return pathToFileURL(isAbsolute(m) ? m : resolve(m)).href;
}

export async function build(src: ConfigSource, ctx: Omit<BuildContext, 'args'>): Promise<Config> {
  if ('json' in src) return Config.fromJSON(src.json, builtinApps);
  const url = moduleUrl(src.module);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`pipeline module ${src.module}: cannot import it (${(e as Error).message.split('\n')[0]})`);
  }
  const name = src.export ?? 'default';
  const fn = mod[name];
  if (typeof fn !== 'function') {
    throw new ConfigError(`pipeline module ${src.module}: no function export '${name}'; export a function (ctx) => Config`);
  }
  if (/^class[\s{]/.test(Function.prototype.toString.call(fn))) {
    throw new ConfigError(`pipeline module ${src.module}: '${name}' is a class; export a function (ctx) => Config that adds it`);
  }
  let cfg: unknown;
  try {
    cfg = await (fn as Builder)({ ...ctx, args: src.args });
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`pipeline module ${src.module}: '${name}' threw: ${(e as Error).message}`);
  }
  if (!(cfg instanceof Config)) throw new ConfigError(`pipeline module ${src.module}: '${name}' returned ${String(cfg)}, not a Config`);
  return cfg.validate();
}
