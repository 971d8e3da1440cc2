// The pipeline library: apps, links, configurations, the engine.
export { App, reasonNames } from './app.js';
export type { AppClass, AppContext } from './app.js';
export { Config, linkName, parseLink } from './config.js';
export type { AppEntry, ConfigJSON, LinkEntry } from './config.js';
export { CounterBlock } from './counters.js';
export type { AppCounters, CounterDescriptor, LinkCounters } from './counters.js';
export { Engine, readStats, topoOrder } from './engine.js';
export type { EngineOptions, EngineStats, RunOptions, SlotMap } from './engine.js';
export { LINK_CAPACITY, Link } from './link.js';
export { ConfigError, f, validate } from './schema.js';
export type { ConfigInput, ConfigOf, Field, Schema } from './schema.js';
export { Supervisor } from './supervisor.js';
export type { PipelineStats, StopResult, SupervisorOptions } from './supervisor.js';
export type { BuildContext, Builder, ConfigSource } from './source.js';
