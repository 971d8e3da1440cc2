// How one configuration is spread over worker threads.
//
// Run to completion (no app names a worker): every worker runs the whole graph on its own queue of
// every port (DPDK's one lcore per queue). Stage pipelines (every app names a worker): each worker
// runs its apps; a link between apps of two workers becomes a shared ring, a `ring:` port pair
// whose two ends the supervisor opens, with a PortOut on the sending side and a PortIn on the
// receiving side. Across workers the link waits for room instead of dropping (back-pressure from
// stage to stage, as a DPDK pipeline's rings do). Plain data only, so the supervisor and every
// worker derive the same per-worker graph from the same configuration.
import { PortIn, PortOut } from '../apps/port.js';
import { Config, linkName, type AppEntry } from './config.js';
import { ConfigError } from './schema.js';

export interface CrossLink {
  /** The ring port spec both ends open. */
  spec: string;
  /** The original link. */
  link: string;
}

export interface WorkerPlan {
  /** Worker name: the stage's name, or q<N> with one worker per queue. */
  name: string;
  /** The queue this worker's engine drives. */
  queue: number;
  /** Stage mode: the worker's apps are those naming it. */
  stage: boolean;
  cross: CrossLink[];
}

/** The workers a configuration runs on with `queues` queues (see the file comment). */
export function planWorkers(cfg: Config, queues: number, tag: string): WorkerPlan[] {
  const stages = cfg.workers();
  if (stages.length === 0) {
    return Array.from({ length: queues }, (_, q) => ({ name: `q${q}`, queue: q, stage: false, cross: [] }));
  }
  const cross: CrossLink[] = [];
  let k = 0;
  for (const [key, l] of cfg.links) {
    if (cfg.apps.get(l.from)!.worker !== cfg.apps.get(l.to)!.worker) cross.push({ spec: `ring:${tag}-x${k++}`, link: key });
  }
  return stages.map((name) => ({ name, queue: 0, stage: true, cross }));
}

/** App names the cross-link apps take (unlikely to collide with a user's). */
const xout = (i: number) => `__xout${i}`, xin = (i: number) => `__xin${i}`;

/** The graph worker `plan` runs. */
export function workerConfig(cfg: Config, plan: WorkerPlan): Config {
  if (!plan.stage) return cfg;
  const out = new Config();
  const mine = (e: AppEntry) => e.worker === plan.name;
  for (const [n, e] of cfg.apps) if (mine(e)) out.apps.set(n, { ...e });
  const crossKeys = new Map(plan.cross.map((c, i) => [c.link, i]));
  for (const [key, l] of cfg.links) {
    const i = crossKeys.get(key);
    const fromMine = mine(cfg.apps.get(l.from)!), toMine = mine(cfg.apps.get(l.to)!);
    if (i === undefined) {
      if (fromMine && toMine) out.links.set(key, { ...l });
      continue;
    }
    const spec = plan.cross[i]!.spec;
    if (fromMine) {
      out.app(xout(i), PortOut, { port: spec, full: 'wait' }, { worker: plan.name });
      out.link(`${l.from}.${l.output} -> ${xout(i)}.in`);
    } else if (toMine) {
      out.app(xin(i), PortIn, { port: spec }, { worker: plan.name });
      out.link(`${xin(i)}.out -> ${l.to}.${l.input}`);
    }
  }
  return out.validate();
}

export interface PortUse {
  /** The name apps share it by (their `name` field, else the spec). */
  key: string;
  spec: string;
}

/** The port an app opens: its `port` and `name` fields (PortIn, PortOut and apps built alike). */
export function portsOf(e: AppEntry): PortUse[] {
  const p = e.config['port'], n = e.config['name'];
  return typeof p === 'string' ? [{ key: typeof n === 'string' ? n : p, spec: p }] : [];
}

/** Every port a configuration names, once per key (a key with two specs is a ConfigError). */
export function allPorts(cfg: Config): PortUse[] {
  const m = new Map<string, string>();
  for (const [app, e] of cfg.apps) {
    for (const u of portsOf(e)) {
      const had = m.get(u.key);
      if (had !== undefined && had !== u.spec) throw new ConfigError(`app '${app}': port '${u.key}' is ${had} elsewhere, not ${u.spec}; give different ports different names`);
      m.set(u.key, u.spec);
    }
  }
  return [...m].map(([key, spec]) => ({ key, spec }));
}

export { linkName };
