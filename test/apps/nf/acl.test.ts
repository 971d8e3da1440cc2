// The ACL classifier: rule-file parsing (dpdk-test-acl / l3fwd format), first match by priority
// against the plain definition, and decisions equal to dpdk-test-acl's on the same rule file and
// trace (10,000 rules, 100,000 packets).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AclClassifier, NO_MATCH, formatRule, matches, parseRules } from '../../../src/apps/nf/acl.js';
import { aclRules, aclTrace, formatTrace } from '../../lib/nf-corpus.js';
import { requireTool } from '../../lib/skip.js';

test('parseRules: ClassBench @ lines, l3fwd R lines, C numbers, errors name the line', () => {
  const rs = parseRules([
    '# comment',
    '@192.168.0.0/16\t10.0.0.0/8\t0 : 65535\t0x50 : 0x50\t6/0xff',
    'R0.0.0.0/0 198.18.1.0/24 0 : 65535 0 : 65535 0x0/0x0 1',
    '',
    '@1.2.3.4/32 0.0.0.0/0 010 : 010 0 : 65535 0x11/0xff',
  ].join('\n'));
  assert.equal(rs.length, 3);
  assert.deepEqual([rs[0]!.srcIp >>> 24, rs[0]!.srcLen, rs[0]!.dportLo, rs[0]!.dportHi, rs[0]!.proto, rs[0]!.line], [192, 16, 80, 80, 6, 2]);
  assert.deepEqual([rs[1]!.kind, rs[1]!.data, rs[1]!.dstLen], ['R', 1, 24]);
  assert.equal(rs[2]!.sportLo, 8, '010 is octal as strtoul base 0 reads it');
  assert.deepEqual(parseRules(formatRule(rs[0]!)).map((r) => r.srcIp), [rs[0]!.srcIp]);
  assert.throws(() => parseRules('@1.2.3.4/33 0.0.0.0/0 0 : 1 0 : 1 6/0xff'), /line 1: source prefix length/);
  assert.throws(() => parseRules('@1.2.3.4/32 0.0.0.0/0 5 : 1 0 : 1 6/0xff'), /line 1: a port range with low > high/);
  assert.throws(() => parseRules('X1'), /line 1: a rule starts with '@'/);
});

test('AclClassifier: first match by priority equals the definition (2,000 rules, 20,000 tuples)', () => {
  const rules = aclRules(2000, 11);
  rules[5] = { ...rules[5]!, priority: 100 }; // one rule promoted above file order
  const acl = new AclClassifier(rules);
  const trace = aclTrace(rules, 20000, 12);
  const order = rules.map((_, i) => i).sort((a, b) => rules[b]!.priority! - rules[a]!.priority! || a - b);
  let matched = 0;
  for (const t of trace) {
    const want = order.find((i) => matches(rules[i]!, t.proto, t.src, t.dst, t.sport, t.dport)) ?? NO_MATCH;
    assert.equal(acl.classify(t.proto, t.src, t.dst, t.sport, t.dport), want);
    if (want !== NO_MATCH) matched++;
  }
  assert.ok(matched > 10000, `most tuples match some rule (${matched})`);
  assert.equal(new AclClassifier([]).classify(6, 1, 2, 3, 4), NO_MATCH);
});

test('AclClassifier decisions equal dpdk-test-acl on 10,000 rules and 100,000 packets', (t) => {
  if (!requireTool(t, 'dpdk-test-acl', 'apt-get install -y dpdk')) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringway-acl-'));
  try {
    const rules = aclRules(10000, 21);
    const trace = aclTrace(rules, 100000, 22);
    writeFileSync(join(dir, 'rules'), rules.map((r) => formatRule(r)).join('\n') + '\n');
    writeFileSync(join(dir, 'trace'), formatTrace(trace));
    // Read back from the file: the same text drives both sides.
    const parsed = parseRules(readFileSync(join(dir, 'rules'), 'utf8'));
    const acl = new AclClassifier(parsed);
    // Its own runtime directory (not the shared default 'rte'), removed afterwards.
    const prefix = `ringway-acl-test-${process.pid}`;
    t.after(() => rmSync(`/var/run/dpdk/${prefix}`, { recursive: true, force: true }));
    const out = execFileSync('dpdk-test-acl', ['--no-pci', '--no-huge', '-m', '2048', '--log-level=lib.eal:error', '-l', '0', `--file-prefix=${prefix}`, '--',
      `--rulesf=${join(dir, 'rules')}`, `--tracef=${join(dir, 'trace')}`, '--rulenum=10000', '--tracenum=100000', '--verbose=2', '--iter=1', '--alg=scalar'],
      { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
    const theirs = new Int32Array(trace.length).fill(-2);
    for (const m of out.matchAll(/^ipv4_5tuple: (\d+), category: 0, result: (\d+)$/gm)) {
      const r = Number(m[2]);
      theirs[Number(m[1]) - 1] = r === 0xffffffff ? NO_MATCH : r;
    }
    let diff = 0, matched = 0;
    for (let i = 0; i < trace.length; i++) {
      const x = trace[i]!;
      const ours = acl.classify(x.proto, x.src, x.dst, x.sport, x.dport);
      if (ours !== theirs[i]) {
        if (diff++ < 5) assert.fail(`packet ${i + 1} ${JSON.stringify(x)}: ours rule ${ours}, dpdk-test-acl ${theirs[i]}`);
      }
      if (ours !== NO_MATCH) matched++;
    }
    assert.equal(diff, 0);
    assert.ok(matched > 50000, `most packets match a rule (${matched})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
