// Memory limits seen as a user sees them: each in a child process, because RLIMIT_MEMLOCK, the
// user id and the once-per-process warning are process state.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';

const INDEX = new URL('../../src/index.js', import.meta.url).pathname;

function child(code: string): { stdout: string; stderr: string; status: number | null } {
  const script = `import { Pool } from ${JSON.stringify(INDEX)};\n${code}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

test('RLIMIT_MEMLOCK too low for memory that must be locked: clear error naming the fix', (t) => {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/setpriv')) {
    return t.skip('needs root and setpriv (util-linux) to run the check as an unprivileged user');
  }
  // as user nobody with a 64 KiB lock limit (root is exempt from the limit)
  const r = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'bash', '-c',
    `ulimit -l 64; exec ${process.execPath} --input-type=module -e 'import { Pool } from ${JSON.stringify(INDEX)}; try { Pool.create({ buffers: 1000, hugepages: "never", lock: "required" }); console.log("created"); } catch (e) { console.log(e.code + " " + e.message); }'`],
  { encoding: 'utf8' });
  assert.match(r.stdout, /^ERR_RINGWAY_MEMLOCK cannot lock \d+ KiB .*RLIMIT_MEMLOCK is 64 KiB.*ulimit -l unlimited/, r.stdout + r.stderr);
});

test('hugepages wanted but too few: ordinary pages with exactly one warning line naming the fix', () => {
  const free = Number(/HugePages_Free:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  const buffers = Math.ceil(((free + 8) * 2 * 1024 * 1024) / 2240);
  const r = child(`const a = Pool.create({ buffers: ${buffers} }); const b = Pool.create({ buffers: ${buffers} });
    console.log(JSON.stringify({ huge: a.huge, locked: a.locked })); a.close(); b.close();`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { huge: false, locked: true });
  const lines = r.stderr.split('\n').filter((l) => l.includes('RINGWAY_NO_HUGEPAGES'));
  assert.equal(lines.length, 1, `one warning for two pools: ${r.stderr}`);
  assert.match(lines[0]!, /ordinary pages locked with mlock.*echo \d+ > \/proc\/sys\/vm\/nr_hugepages/);
});

test('hugepage-backed pool when hugepages are reserved', (t) => {
  const free = Number(/HugePages_Free:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  if (free < 4) return t.skip('no free hugepages: reserve with `echo 64 > /proc/sys/vm/nr_hugepages` (CI does)');
  const r = child(`const p = Pool.create({ buffers: 1024, hugepages: 'require' }); console.log(JSON.stringify({ huge: p.huge })); p.close();`);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { huge: true });
});
