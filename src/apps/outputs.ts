// Outputs an app names but the configuration did not link. For apps with fixed output names the
// engine makes an unconnected link for each; for '*' apps it knows only the linked names, so an
// app whose config names an output (Split's map, L2Fwd's ports) makes the unconnected link
// itself: a zero-capacity Link that frees what is sent and counts it on the app as 'unconnected',
// exactly like the engine's own.
import type { AppContext } from '../pipeline/app.js';
import { Link } from '../pipeline/link.js';

/** An output `name` of app ctx.name that goes nowhere (drops counted as 'unconnected'). */
export function unconnected(ctx: AppContext, name: string): Link {
  // Capacity 0 never takes the zero-copy swap path, so the lend state is never consulted.
  return new Link(`${ctx.name}.${name} (unconnected)`, 0, ctx.pool, ctx.ctr, -1, ctx.ctrBase, { lent: null, lender: null });
}
