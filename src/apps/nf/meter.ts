// Single-rate three-colour marker (RFC 2697, srTCM), as DPDK's rte_meter_srtcm and its qos_meter
// example: two token buckets C (committed, size CBS) and E (excess, size EBS) filled at CIR
// tokens per second; C fills first and E takes what overflows C (RFC 2697 §3.1). A packet of B
// tokens is green if C holds B (C -= B), else yellow if E holds B (E -= B), else red (§3.2,
// colour-blind); the colour-aware mode never promotes a packet (§3.3). Tokens are bytes (bit/s
// rates divide by 8) or packets (pps: every packet is one token).
//
// Many meters live in one Float64Array (C, E, last update time per meter) so a per-flow policer
// allocates nothing per packet. Time is in milliseconds (performance.now() or the engine's tick);
// refill is computed at the packet from the elapsed time, as rte_meter does from the TSC.

export const GREEN = 0, YELLOW = 1, RED = 2;
export type Colour = typeof GREEN | typeof YELLOW | typeof RED;
export const COLOUR_NAMES = ['green', 'yellow', 'red'] as const;

export interface SrTcmParams {
  /** Committed information rate, tokens per second (bytes/s, or packets/s). */
  cir: number;
  /** Committed burst size, tokens. */
  cbs: number;
  /** Excess burst size, tokens (0: a plain two-colour token bucket). */
  ebs: number;
}

export class SrTcm {
  readonly n: number;
  private readonly s: Float64Array; // [c, e, t] per meter
  private readonly perMs: number;
  readonly cbs: number;
  readonly ebs: number;

  constructor(p: SrTcmParams, meters = 1, nowMs = 0) {
    if (!(p.cir > 0) || !(p.cbs >= 0) || !(p.ebs >= 0) || p.cbs + p.ebs <= 0) {
      throw new RangeError(`srTCM: cir must be > 0 and cbs + ebs > 0 (got cir ${p.cir}, cbs ${p.cbs}, ebs ${p.ebs}); RFC 2697 §2 asks one of the bursts above 0`);
    }
    if (!Number.isInteger(meters) || meters < 1) throw new RangeError(`meters ${meters}: a positive integer`);
    this.n = meters;
    this.perMs = p.cir / 1000;
    this.cbs = p.cbs;
    this.ebs = p.ebs;
    this.s = new Float64Array(3 * meters);
    // RFC 2697 §3.1: both buckets start full.
    for (let i = 0; i < meters; i++) {
      this.s[3 * i] = p.cbs;
      this.s[3 * i + 1] = p.ebs;
      this.s[3 * i + 2] = nowMs;
    }
  }

  /** Colours a packet of `tokens` on meter `m` at time nowMs; `inColour` for colour-aware mode
   *  (GREEN = colour-blind). */
  mark(m: number, nowMs: number, tokens: number, inColour: number = GREEN): Colour {
    const s = this.s, b = 3 * m;
    let c = s[b]!, e = s[b + 1]!;
    const dt = nowMs - s[b + 2]!;
    if (dt > 0) {
      c += dt * this.perMs;
      if (c > this.cbs) {
        e += c - this.cbs;
        c = this.cbs;
        if (e > this.ebs) e = this.ebs;
      }
      s[b + 2] = nowMs;
    }
    let col: Colour;
    if (inColour === GREEN && c >= tokens) {
      c -= tokens;
      col = GREEN;
    } else if (inColour !== RED && e >= tokens) {
      e -= tokens;
      col = YELLOW;
    } else {
      col = RED;
    }
    s[b] = c;
    s[b + 1] = e;
    return col;
  }

  /** Tokens now in meter m's C and E buckets (tests, stats). */
  buckets(m: number): { c: number; e: number } {
    return { c: this.s[3 * m]!, e: this.s[3 * m + 1]! };
  }
}
