// Vlan: 802.1Q tag push, pop or rewrite (IEEE 802.1Q-2018 §9.6: TPID 0x8100, then the TCI of
// PCP(3) DEI(1) VID(12)). Push writes the tag into the buffer's headroom (the 12 MAC bytes move
// 4 bytes forward, rte_vlan_insert's way), so the frame is never copied; pop does the reverse.
// Rewrite changes the VID (and PCP) of tagged frames; frames without a tag pass unchanged on pop
// and rewrite.
import { App, type AppContext } from '../pipeline/app.js';
import { META_DATA_LEN, META_DATA_OFF, META_SIZE } from '../memory/layout.js';
import { f, type ConfigOf } from '../pipeline/schema.js';
import { ETH_QINQ, ETH_VLAN } from '../packet/constants.js';

export class Vlan extends App {
  static override schema = {
    op: f.enum(['push', 'pop', 'rewrite'] as const),
    vid: f.int({ min: 0, max: 4095, default: 0 }),
    pcp: f.int({ min: 0, max: 7, default: 0 }),
    /** 0x8100 (802.1Q) or 0x88a8 (802.1ad service tag) for push. */
    tpid: f.int({ min: 0x8100, max: 0x88a8, default: ETH_VLAN }),
  };
  static override dropReasons = ['no-headroom', 'short'];
  declare readonly config: ConfigOf<typeof Vlan.schema>;
  private readonly op: number;
  private readonly tci: number;
  private readonly one = new Uint32Array(1);

  constructor(ctx: AppContext, config: ConfigOf<typeof Vlan.schema>) {
    super(ctx, config);
    this.op = config.op === 'push' ? 0 : config.op === 'pop' ? 1 : 2;
    this.tci = (config.pcp << 13) | config.vid;
  }

  override push(_input: number, hs: Uint32Array, n: number): void {
    const p = this.pool, u8 = p.u8, u16 = p.u16, base = p.bufBase, stride = p.stride;
    const op = this.op, tci = this.tci, tpid = this.config.tpid;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const h = hs[i]!;
      const m = base + h * stride;
      const doff = u16[(m + META_DATA_OFF) >> 1]!;
      const len = u16[(m + META_DATA_LEN) >> 1]!;
      const o = m + doff;
      if (len < 14) { this.drop1(h, 1); continue; }
      const et = (u8[o + 12]! << 8) | u8[o + 13]!;
      const tagged = et === ETH_VLAN || et === ETH_QINQ;
      if (op === 0) {
        if (doff - 4 < META_SIZE) { this.drop1(h, 0); continue; }
        u8.copyWithin(o - 4, o, o + 12);
        u8[o + 8] = tpid >>> 8; u8[o + 9] = tpid;
        u8[o + 10] = tci >>> 8; u8[o + 11] = tci;
        u16[(m + META_DATA_OFF) >> 1] = doff - 4;
        u16[(m + META_DATA_LEN) >> 1] = len + 4;
      } else if (op === 1) {
        if (tagged && len >= 18) {
          u8.copyWithin(o + 4, o, o + 12);
          u16[(m + META_DATA_OFF) >> 1] = doff + 4;
          u16[(m + META_DATA_LEN) >> 1] = len - 4;
        }
      } else if (tagged && len >= 18) {
        u8[o + 14] = tci >>> 8; u8[o + 15] = tci;
      }
      hs[k++] = h;
    }
    this.out[0]!.send(hs, k);
  }

  private drop1(h: number, reason: number): void {
    this.one[0] = h;
    this.drop(this.one, 1, reason);
  }
}
