// Guest-side helper (cases.sh t_signal): opens a virtio port through the public API, prints
// "ready", and keeps it open (RX buffers posted, device live) until a signal ends the process.
// With --handler it installs its own SIGTERM listener, which closes nothing itself and exits 7:
// the library's guard must then leave the decision to it, and 'exit' must close the port.
//
//   node dist/test/qemu/guest/hold-port.js SPEC [--handler]
import { Pool } from '../../../src/memory/pool.js';
import { Port } from '../../../src/port/port.js';

const [spec, flag] = process.argv.slice(2);
const pool = Pool.create({ name: 'guest-hold', buffers: 2048 });
const p = Port.open(spec!, { pool });
if (flag === '--handler') process.on('SIGTERM', () => process.exit(7));
console.log(`ready link_up=${p.info().linkUp}`);
setInterval(() => {}, 1000);
