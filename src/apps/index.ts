// The built-in apps, and the registry `ringway run` resolves JSON configurations against.
import type { AppClass } from '../pipeline/app.js';
import { Acl } from './acl.js';
import { MacSwap } from './macswap.js';
import { Nat44 } from './nat44.js';
import { Policer } from './policer.js';
import { PortIn, PortOut } from './port.js';
import { Router } from './router.js';
import { Rss } from './rss.js';
import { Sink } from './sink.js';
import { Vlan } from './vlan.js';

export { Acl, MacSwap, Nat44, Policer, PortIn, PortOut, Router, Rss, Sink, Vlan };

/** Apps by class name, for Config.fromJSON. */
export const builtinApps: Record<string, AppClass> = { PortIn, PortOut, MacSwap, Sink, Router, Acl, Nat44, Policer, Vlan, Rss };
