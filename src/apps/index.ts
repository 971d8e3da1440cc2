// The built-in apps, and the registry `ringway run` resolves JSON configurations against.
import { fileURLToPath } from 'node:url';
import type { AppClass } from '../pipeline/app.js';
import { Acl } from './acl.js';
import { Csum } from './csum.js';
import { Join } from './join.js';
import { L2Fwd } from './l2fwd.js';
import { MacSwap } from './macswap.js';
import { Nat44 } from './nat44.js';
import { PcapWriter } from './pcap.js';
import { Policer } from './policer.js';
import { PortIn, PortOut } from './port.js';
import { Punt } from './punt.js';
import { Router } from './router.js';
import { Rss } from './rss.js';
import { Sink } from './sink.js';
import { Source } from './source.js';
import { Split, Splitter } from './split.js';
import { Tee } from './tee.js';
import { Vlan } from './vlan.js';

export { Acl, Csum, Join, L2Fwd, MacSwap, Nat44, PcapWriter, Policer, PortIn, PortOut, Punt, Router, Rss, Sink, Source, Split, Splitter, Tee, Vlan };
export { copyBurst, copyPacket } from './copy.js';
export { MacTable } from './mactable.js';
export type { PuntTask } from './punt-task.js';

/** Ready-made Punt task modules (paths for Punt's `task`). */
export const puntTasks = {
  /** Answers ARP requests for `data.hosts` [{ ip, mac }]. */
  arpResponder: fileURLToPath(new URL('./tasks/arp-responder.js', import.meta.url)),
};

/** Apps by class name, for Config.fromJSON. */
export const builtinApps: Record<string, AppClass> = {
  PortIn, PortOut, MacSwap, Sink, Source, Csum, Tee, Join, Split, L2Fwd, PcapWriter, Punt,
  Router, Acl, Nat44, Policer, Vlan, Rss,
};
