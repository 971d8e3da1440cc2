// A pipeline configuration is plain data (Snabb's config): apps by name with their class and
// config, and links "from.output -> to.input". It is built, validated and printed here; an Engine
// applies it (as a diff against what runs). Nothing here touches packets.
//
//   const c = new Config();
//   c.app('rx', PortIn, { port: 'null:size=64' });
//   c.app('swap', MacSwap);
//   c.app('tx', PortOut, { port: 'null:size=64' });
//   c.link('rx.out -> swap.in').link('swap.out -> tx.in');
import type { AppClass } from './app.js';
import { ConfigError, validate, type ConfigInput, type Schema } from './schema.js';

export interface AppEntry {
  cls: AppClass;
  /** Validated config, defaults filled in. */
  config: Record<string, unknown>;
  /** The worker that runs the app (stage pipelines); undefined: every worker / the only one. */
  worker?: string;
}

export interface LinkEntry {
  from: string;
  output: string;
  to: string;
  input: string;
}

type InputOf<C> = C extends { schema: infer S extends Schema } ? ConfigInput<S> : Record<string, never>;

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const LINK = /^\s*([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)\s*->\s*([A-Za-z_][A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)\s*$/;

export function linkName(l: LinkEntry): string {
  return `${l.from}.${l.output} -> ${l.to}.${l.input}`;
}

export function parseLink(spec: string): LinkEntry {
  const m = typeof spec === 'string' ? LINK.exec(spec) : null;
  if (!m) throw new ConfigError(`link ${JSON.stringify(spec)}: write it as "from.output -> to.input", e.g. "rx.out -> swap.in"`);
  return { from: m[1]!, output: m[2]!, to: m[3]!, input: m[4]! };
}

export class Config {
  readonly apps = new Map<string, AppEntry>();
  readonly links = new Map<string, LinkEntry>();

  /** Adds app `name` of class `cls`; its config is validated now (errors name app and field). */
  app<C extends AppClass>(name: string, cls: C, config?: InputOf<C>, opts: { worker?: string } = {}): this {
    if (typeof name !== 'string' || !NAME.test(name)) {
      throw new ConfigError(`app name ${JSON.stringify(name)}: use letters, digits, '_' and '-', starting with a letter`);
    }
    if (this.apps.has(name)) throw new ConfigError(`app '${name}' is defined twice; give each app its own name`);
    if (typeof cls !== 'function' || !('schema' in cls)) {
      throw new ConfigError(`app '${name}': ${String(cls)} is not an App class (extend App from ringway)`);
    }
    const entry: AppEntry = { cls, config: validate(name, cls.name, cls.schema, config) };
    if (opts.worker !== undefined) entry.worker = opts.worker;
    this.apps.set(name, entry);
    return this;
  }

  /** Adds a link "from.output -> to.input" (checked against the apps by validate()). */
  link(spec: string): this {
    const l = parseLink(spec);
    const key = linkName(l);
    if (this.links.has(key)) throw new ConfigError(`link '${key}' is defined twice`);
    this.links.set(key, l);
    return this;
  }

  /**
   * Checks the graph: links name existing apps and ports that the classes have, an output feeds
   * at most one link and an input takes at most one, no app links to itself, and stage pipelines
   * name a worker for every app or none. Throws a ConfigError naming the link or app.
   */
  validate(): this {
    const usedOut = new Map<string, string>(), usedIn = new Map<string, string>();
    for (const [key, l] of this.links) {
      for (const [app, port, dir] of [[l.from, l.output, 'outputs'], [l.to, l.input, 'inputs']] as const) {
        const a = this.apps.get(app);
        if (!a) throw new ConfigError(`link '${key}': there is no app '${app}'${this.apps.size ? `; apps are ${[...this.apps.keys()].join(', ')}` : ''}`);
        const names = a.cls[dir];
        if (names !== '*' && !names.includes(port)) {
          throw new ConfigError(`link '${key}': app '${app}' (${a.cls.name}) has no ${dir === 'outputs' ? 'output' : 'input'} '${port}'; ${names.length ? `it has ${names.join(', ')}` : `it has no ${dir}`}`);
        }
      }
      if (l.from === l.to) throw new ConfigError(`link '${key}': an app cannot link to itself`);
      const o = `${l.from}.${l.output}`, i = `${l.to}.${l.input}`;
      if (usedOut.has(o)) throw new ConfigError(`link '${key}': output ${o} already feeds '${usedOut.get(o)}'; use a Tee to send to both`);
      if (usedIn.has(i)) throw new ConfigError(`link '${key}': input ${i} already takes '${usedIn.get(i)}'; use a Join, or another input name`);
      usedOut.set(o, key);
      usedIn.set(i, key);
    }
    const workers = [...this.apps.values()].map((a) => a.worker);
    if (workers.some((w) => w !== undefined) && workers.some((w) => w === undefined)) {
      const missing = [...this.apps].filter(([, a]) => a.worker === undefined).map(([n]) => n);
      throw new ConfigError(`apps ${missing.join(', ')} name no worker while others do; give every app a worker, or none`);
    }
    return this;
  }

  /** Names of the workers of a stage pipeline (empty: one engine per queue runs everything). */
  workers(): string[] {
    return [...new Set([...this.apps.values()].map((a) => a.worker).filter((w): w is string => w !== undefined))];
  }

  /** The graph in Graphviz DOT. */
  toDot(): string {
    const lines = ['digraph pipeline {', '  rankdir=LR;', '  node [shape=box];'];
    for (const [n, a] of this.apps) lines.push(`  "${n}" [label="${n}\\n${a.cls.name}${a.worker ? `\\n@${a.worker}` : ''}"];`);
    for (const l of this.links.values()) lines.push(`  "${l.from}" -> "${l.to}" [taillabel="${l.output}", headlabel="${l.input}"];`);
    lines.push('}');
    return lines.join('\n') + '\n';
  }

  /** The graph as a Mermaid flowchart. */
  toMermaid(): string {
    const id = (n: string) => n.replace(/-/g, '_');
    const lines = ['flowchart LR'];
    for (const [n, a] of this.apps) lines.push(`  ${id(n)}["${n}: ${a.cls.name}"]`);
    for (const l of this.links.values()) lines.push(`  ${id(l.from)} -->|${l.output} to ${l.input}| ${id(l.to)}`);
    return lines.join('\n') + '\n';
  }

  /** Plain data (class by name): what `ringway run` reads from a JSON file. */
  toJSON(): ConfigJSON {
    const apps: ConfigJSON['apps'] = {};
    for (const [n, a] of this.apps) apps[n] = { app: a.cls.name, config: a.config, ...(a.worker ? { worker: a.worker } : {}) };
    return { apps, links: [...this.links.keys()] };
  }

  /** Builds a Config from plain data; classes are looked up by name in `registry`. */
  static fromJSON(j: unknown, registry: Record<string, AppClass>): Config {
    if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ConfigError('configuration must be an object { "apps": {...}, "links": [...] }');
    const { apps, links, ...rest } = j as { apps?: unknown; links?: unknown };
    const extra = Object.keys(rest);
    if (extra.length) throw new ConfigError(`configuration: unknown key '${extra[0]}'; it takes "apps" and "links"`);
    if (typeof apps !== 'object' || apps === null || Array.isArray(apps)) throw new ConfigError('configuration: "apps" must be an object of name: { "app": CLASS, "config": {...} }');
    const c = new Config();
    for (const [name, e] of Object.entries(apps as Record<string, unknown>)) {
      const ent = e as { app?: unknown; config?: unknown; worker?: unknown };
      if (typeof e !== 'object' || e === null || typeof ent.app !== 'string') throw new ConfigError(`app '${name}': give its class as "app": "Name"`);
      const cls = registry[ent.app];
      if (!cls) throw new ConfigError(`app '${name}': no app class '${ent.app}'; known: ${Object.keys(registry).sort().join(', ')}`);
      if (ent.worker !== undefined && typeof ent.worker !== 'string') throw new ConfigError(`app '${name}': "worker" must be a string`);
      c.app(name, cls, ent.config as never, ent.worker !== undefined ? { worker: ent.worker as string } : {});
    }
    if (links !== undefined && !Array.isArray(links)) throw new ConfigError('configuration: "links" must be a list of "from.output -> to.input"');
    for (const l of (links ?? []) as unknown[]) c.link(l as string);
    return c.validate();
  }
}

export interface ConfigJSON {
  apps: Record<string, { app: string; config?: Record<string, unknown>; worker?: string }>;
  links: string[];
}

/** Same app in two configs: same class and equal config (configs are plain data). */
export function sameApp(a: AppEntry, b: AppEntry): boolean {
  return a.cls === b.cls && a.worker === b.worker && JSON.stringify(a.config) === JSON.stringify(b.config);
}
