// Public API: re-exports only.
export { native } from './native.js';
