// ARP (RFC 826) for Ethernet/IPv4: htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4).
// The address getters assume hlen 6 / plen 4 (check hlen()/plen() for anything else).
import { type Frame, get8, get16, get32, get48, set16, set32, set48 } from '../frame.js';

export const LEN = 28;
export const OP_REQUEST = 1, OP_REPLY = 2;
export const htype = (f: Frame, off: number): number => get16(f, off);
export const ptype = (f: Frame, off: number): number => get16(f, off + 2);
export const hlen = (f: Frame, off: number): number => get8(f, off + 4);
export const plen = (f: Frame, off: number): number => get8(f, off + 5);
export const op = (f: Frame, off: number): number => get16(f, off + 6);
export const sha = (f: Frame, off: number): number => get48(f, off + 8);
export const spa = (f: Frame, off: number): number => get32(f, off + 14);
export const tha = (f: Frame, off: number): number => get48(f, off + 18);
export const tpa = (f: Frame, off: number): number => get32(f, off + 24);
export const setOp = (f: Frame, off: number, v: number): boolean => set16(f, off + 6, v);
export const setSha = (f: Frame, off: number, v: number): boolean => set48(f, off + 8, v);
export const setSpa = (f: Frame, off: number, v: number): boolean => set32(f, off + 14, v);
export const setTha = (f: Frame, off: number, v: number): boolean => set48(f, off + 18, v);
export const setTpa = (f: Frame, off: number, v: number): boolean => set32(f, off + 24, v);
