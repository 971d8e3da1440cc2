// UDP (RFC 768): src port, dst port, length (header + data), checksum (0 = none over IPv4).
import { type Frame, get16, set16 } from '../frame.js';

export const HLEN = 8;
export const srcPort = (f: Frame, off: number): number => get16(f, off);
export const dstPort = (f: Frame, off: number): number => get16(f, off + 2);
export const length = (f: Frame, off: number): number => get16(f, off + 4);
export const checksum = (f: Frame, off: number): number => get16(f, off + 6);
export const setSrcPort = (f: Frame, off: number, v: number): boolean => set16(f, off, v);
export const setDstPort = (f: Frame, off: number, v: number): boolean => set16(f, off + 2, v);
export const setLength = (f: Frame, off: number, v: number): boolean => set16(f, off + 4, v);
export const setChecksum = (f: Frame, off: number, v: number): boolean => set16(f, off + 6, v);
