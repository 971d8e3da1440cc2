// Acl: an IPv4 5-tuple firewall (DPDK l3fwd --lookup=acl, as an app). Rules in the ClassBench
// format dpdk-test-acl and l3fwd read (nf/acl.ts), first match wins, every rule counted.
//
// Actions: a rule line may end with one word after its nine fields (dpdk-test-acl ignores the
// rest of a line, so the same file still drives it): `permit` (to output 'out'), `drop`, `count`
// (counted and permitted: every rule is counted anyway; the word documents intent), or
// `out:NAME` (to output NAME). Without a word, '@' rules drop (l3fwd's meaning of '@') and
// l3fwd 'R' rules send to the output named by their port number ("0", "1", ...). A packet no
// rule matches takes `default` ('drop' as l3fwd, or 'permit').
//
// Classification is per burst: the 5-tuples of the whole burst are gathered into columns, then
// classified together. As l3fwd's ACL does, the "ports" are the 4 bytes after the IPv4 header
// whatever the protocol (so an ICMP packet's type/code and checksum are its ports).
import { readFileSync } from 'node:fs';
import { App, type AppContext } from '../pipeline/app.js';
import { META_DATA_LEN, META_DATA_OFF } from '../memory/layout.js';
import { ConfigError, f, type ConfigOf } from '../pipeline/schema.js';
import { AclClassifier, NO_MATCH, parseRules, type ParsedRule } from './nf/acl.js';
import { ETH_IPV4 } from '../packet/constants.js';
import { ipv4HeaderLen } from './nf/hdr.js';

const BURST = 1024;
const DROP = -1;

export class Acl extends App {
  static override schema = {
    rules: f.list(f.string({ example: '@0.0.0.0/0 10.0.0.0/8 0 : 65535 80 : 80 6/0xff permit' }), { default: [] }),
    rulesFile: f.string({ optional: true }),
    default: f.enum(['drop', 'permit'] as const, { default: 'drop' }),
  };
  static override inputs = ['in'] as const;
  static override outputs = '*' as const;
  static override dropReasons = ['denied', 'no-match', 'malformed', 'not-ipv4'];
  declare readonly config: ConfigOf<typeof Acl.schema>;

  readonly classifier: AclClassifier;
  /** Matches per rule, in rule order. */
  readonly hits: Float64Array;
  private readonly action: Int32Array; // per rule: output index or DROP
  private readonly dflt: number;
  private readonly pr = new Uint8Array(BURST);
  private readonly src = new Uint32Array(BURST);
  private readonly dst = new Uint32Array(BURST);
  private readonly sp = new Uint16Array(BURST);
  private readonly dp = new Uint16Array(BURST);
  private readonly res = new Int32Array(BURST);
  private readonly ok = new Uint8Array(BURST);
  private readonly batch: Uint32Array[];
  private readonly batchN: Int32Array;
  private readonly dropped = new Uint32Array(BURST);

  constructor(ctx: AppContext, config: ConfigOf<typeof Acl.schema>) {
    super(ctx, config);
    let text = config.rules.join('\n');
    if (config.rulesFile !== undefined) {
      try {
        text += '\n' + readFileSync(config.rulesFile, 'utf8');
      } catch (e) {
        throw new ConfigError(`app '${ctx.name}' (Acl): rulesFile ${config.rulesFile}: ${(e as Error).message}`);
      }
    }
    let rules: ParsedRule[];
    try {
      rules = parseRules(text);
    } catch (e) {
      throw new ConfigError(`app '${ctx.name}' (Acl): ${(e as Error).message}`);
    }
    const lines = text.split('\n');
    this.action = Int32Array.from(rules, (r) => this.actionOf(r, lines[r.line - 1]!));
    this.classifier = new AclClassifier(rules);
    this.hits = new Float64Array(rules.length);
    this.dflt = config.default === 'permit' ? this.need('out', 'the default action permit') : DROP;
    this.batch = ctx.outputs.map(() => new Uint32Array(BURST));
    this.batchN = new Int32Array(ctx.outputs.length);
  }

  private need(name: string, why: string): number {
    const o = this.output(name);
    if (o < 0) throw new ConfigError(`app '${this.name}' (Acl): ${why} sends to output '${name}', which is not linked; link "${this.name}.${name} -> ..."`);
    return o;
  }

  private actionOf(r: ParsedRule, line: string): number {
    const words = line.trim().slice(1).trim().split(/\s+/);
    const extra = words[r.kind === 'R' ? 10 : 9];
    const where = `rule on line ${r.line}`;
    if (extra === undefined) return r.kind === 'R' ? this.need(String(r.data), `${where} (an l3fwd route to port ${r.data})`) : DROP;
    if (extra === 'drop') return DROP;
    if (extra === 'permit' || extra === 'count') return this.need('out', `${where} (${extra})`);
    if (extra.startsWith('out:')) return this.need(extra.slice(4), where);
    throw new ConfigError(`app '${this.name}' (Acl): ${where}: action ${JSON.stringify(extra)}; write permit, drop, count or out:NAME`);
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, base = p.bufBase, stride = p.stride;
    const pr = this.pr, src = this.src, dst = this.dst, sp = this.sp, dp = this.dp, ok = this.ok;
    for (let i = 0; i < n; i++) {
      const m = base + hs[i]! * stride;
      const o = m + u16[(m + META_DATA_OFF) >> 1]!;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      ok[i] = 0;
      if (len < 34) { ok[i] = 3; continue; }
      if (((u8[o + 12]! << 8) | u8[o + 13]!) !== ETH_IPV4) { ok[i] = 4; continue; }
      const ip = o + 14;
      const ihl = ipv4HeaderLen(u8, ip, len - 14);
      if (ihl === 0) { ok[i] = 3; continue; }
      pr[i] = u8[ip + 9]!;
      src[i] = ((u8[ip + 12]! << 24) | (u8[ip + 13]! << 16) | (u8[ip + 14]! << 8) | u8[ip + 15]!) >>> 0;
      dst[i] = ((u8[ip + 16]! << 24) | (u8[ip + 17]! << 16) | (u8[ip + 18]! << 8) | u8[ip + 19]!) >>> 0;
      const l4 = ip + ihl;
      if (ihl + 4 <= len - 14) {
        sp[i] = (u8[l4]! << 8) | u8[l4 + 1]!;
        dp[i] = (u8[l4 + 2]! << 8) | u8[l4 + 3]!;
      } else {
        sp[i] = 0;
        dp[i] = 0;
      }
    }
    const res = this.res, cl = this.classifier;
    for (let i = 0; i < n; i++) res[i] = ok[i] === 0 ? cl.classify(pr[i]!, src[i]!, dst[i]!, sp[i]!, dp[i]!) : NO_MATCH;
    const batch = this.batch, bn = this.batchN, act = this.action, hits = this.hits, dropped = this.dropped;
    let nd = 0, denied = 0, nomatch = 0, bad = 0, notip = 0;
    for (let i = 0; i < n; i++) {
      const r = res[i]!;
      let a: number;
      if (ok[i] !== 0) {
        a = DROP;
        if (ok[i] === 3) bad++; else notip++;
      } else if (r === NO_MATCH) {
        a = this.dflt;
        if (a === DROP) nomatch++;
      } else {
        hits[r]!++;
        a = act[r]!;
        if (a === DROP) denied++;
      }
      if (a === DROP) dropped[nd++] = hs[i]!;
      else batch[a]![bn[a]!++] = hs[i]!;
    }
    if (nd > 0) {
      p.freeBurst(dropped, nd);
      if (denied) this.countDrop(denied, 0);
      if (nomatch) this.countDrop(nomatch, 1);
      if (bad) this.countDrop(bad, 2);
      if (notip) this.countDrop(notip, 3);
    }
    const outs = this.out;
    for (let k = 0; k < bn.length; k++) {
      if (bn[k] !== 0) {
        outs[k]!.send(batch[k]!, bn[k]!);
        bn[k] = 0;
      }
    }
  }
}
