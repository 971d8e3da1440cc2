// Helpers for node:test tests that need something outside Node: an external tool or root.
// A missing tool skips the test with the exact install command, so a reader of the test
// output knows how to turn the skip into a run; it never fails the suite.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * Absolute path of an executable named `name` on `path` (default: $PATH), or undefined.
 * Searched by hand rather than by spawning `which`, which a minimal machine may lack.
 */
export function findOnPath(name: string, path: string = process.env['PATH'] ?? ''): string | undefined {
  const candidates = name.includes('/') ? [name] : path.split(delimiter).filter(Boolean).map((dir) => join(dir, name));
  return candidates.find(isExecutableFile);
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile(); // X_OK alone also accepts directories
  } catch {
    return false;
  }
}

/**
 * True if `tool` is on PATH. Otherwise marks the test skipped with
 * "skipped: TOOL missing; install with: INSTALL" and returns false; the caller must then return.
 * Only `skip` of the context is used, so a unit test can pass a stub.
 */
export function requireTool(t: Pick<TestContext, 'skip'>, tool: string, install: string): boolean {
  if (findOnPath(tool) !== undefined) return true;
  t.skip(`skipped: ${tool} missing; install with: ${install}`);
  return false;
}

/** True when running as root (uid 0): hugepages, namespaces and raw sockets need it. */
export function isRoot(): boolean {
  // getuid is absent on Windows; there nothing counts as root.
  return process.getuid?.() === 0;
}
