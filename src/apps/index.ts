// The built-in apps, and the registry `ringway run` resolves JSON configurations against.
import type { AppClass } from '../pipeline/app.js';
import { Csum } from './csum.js';
import { MacSwap } from './macswap.js';
import { PortIn, PortOut } from './port.js';
import { Sink } from './sink.js';
import { Source } from './source.js';

export { Csum, MacSwap, PortIn, PortOut, Sink, Source };

/** Apps by class name, for Config.fromJSON. */
export const builtinApps: Record<string, AppClass> = { PortIn, PortOut, MacSwap, Sink, Source, Csum };
