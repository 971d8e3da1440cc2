// Counter totals across a worker's incarnations. A restarted worker starts a fresh counter block
// at zero; the supervisor keeps the dead incarnations' last values as a base and every reader
// (stats(), a metrics scrape) adds it, so an exported counter never goes backwards while the
// process lives (Prometheus: a counter decreases only when the process restarts). The base is
// read after the dead worker's 'exit' event, when nothing writes its block any more, so it is
// exact and no packet is counted twice.
import type { AppCounters, LinkCounters } from './counters.js';
import type { EngineStats } from './engine.js';

export function emptyStats(): EngineStats {
  return { breaths: 0, apps: {}, links: {} };
}

/** Adds `st` into `into` (names missing from `into` are added; a name in only one side keeps
 *  its value) and returns `into`. */
export function addStats(into: EngineStats, st: EngineStats): EngineStats {
  into.breaths += st.breaths;
  for (const [n, a] of Object.entries(st.apps)) addApp((into.apps[n] ??= { in: 0, out: 0, dropped: 0, drops: {} }), a);
  for (const [n, l] of Object.entries(st.links)) addLink((into.links[n] ??= { sent: 0, delivered: 0, full: 0 }), l);
  return into;
}

function addApp(t: AppCounters, a: AppCounters): void {
  t.in += a.in;
  t.out += a.out;
  t.dropped += a.dropped;
  for (const [r, v] of Object.entries(a.drops)) t.drops[r] = (t.drops[r] ?? 0) + v;
}

function addLink(t: LinkCounters, l: LinkCounters): void {
  t.sent += l.sent;
  t.delivered += l.delivered;
  t.full += l.full;
}
