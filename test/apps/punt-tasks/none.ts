// A task module that exports no function: Punt.ready() must reject, naming the fix.
export const notAFunction = 42;
