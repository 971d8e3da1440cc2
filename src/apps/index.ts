// The built-in apps, and the registry `ringway run` resolves JSON configurations against.
import { fileURLToPath } from 'node:url';
import type { AppClass } from '../pipeline/app.js';
import { Csum } from './csum.js';
import { Join } from './join.js';
import { L2Fwd } from './l2fwd.js';
import { MacSwap } from './macswap.js';
import { PcapWriter } from './pcap.js';
import { PortIn, PortOut } from './port.js';
import { Punt } from './punt.js';
import { Sink } from './sink.js';
import { Source } from './source.js';
import { Split, Splitter } from './split.js';
import { Tee } from './tee.js';

export { Csum, Join, L2Fwd, MacSwap, PcapWriter, PortIn, PortOut, Punt, Sink, Source, Split, Splitter, Tee };
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
};
