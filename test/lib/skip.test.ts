import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, isRoot, requireTool } from './skip.js';

// A stand-in for TestContext that records what skip() was told.
function stubContext(): { skip: (message?: string) => void; skipped: (string | undefined)[] } {
  const skipped: (string | undefined)[] = [];
  return { skip: (message?: string) => void skipped.push(message), skipped };
}

test('requireTool returns true and does not skip when the tool is on PATH', () => {
  const t = stubContext();
  assert.equal(requireTool(t, 'node', 'apt-get install -y nodejs'), true);
  assert.deepEqual(t.skipped, []);
});

test('requireTool skips with the install command when the tool is missing', () => {
  const t = stubContext();
  assert.equal(requireTool(t, 'ringway-no-such-tool', 'apt-get install -y tshark'), false);
  assert.deepEqual(t.skipped, ['skipped: ringway-no-such-tool missing; install with: apt-get install -y tshark']);
});

test('findOnPath finds only executable files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ringway-skip-'));
  try {
    const exe = join(dir, 'tool-x');
    const plain = join(dir, 'tool-plain');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    writeFileSync(plain, 'data');
    chmodSync(plain, 0o644);
    assert.equal(findOnPath('tool-x', dir), exe);
    assert.equal(findOnPath(exe, ''), exe, 'a name with a slash is checked as given');
    assert.equal(findOnPath(dir, ''), undefined, 'a directory is not a tool');
    assert.equal(findOnPath('tool-missing', dir), undefined);
    // root may execute a 0644 file per access(2) only if some x bit is set, so this holds for root too
    assert.equal(findOnPath('tool-plain', dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('isRoot matches the process uid', () => {
  assert.equal(isRoot(), process.getuid?.() === 0);
});
