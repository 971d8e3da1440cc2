// Copies of crates/core/src/lpm/layout.rs (the definition: the entry layout of an LPM table that
// lpm.ts writes and the native burst lookup reads). Literal constants so V8 folds them;
// test/layout.test.ts fails if any differs from what the addon exports.
export const LPM_DEPTH_SHIFT = 22;
export const LPM_GROUP_BIT = 0x40000000;
export const LPM_GROUP_SIZE = 256;
export const LPM_LOW_MASK = 0x3fffff;
export const LPM4_FIRST_BITS = 24;
export const LPM6_FIRST_BITS = 16;
