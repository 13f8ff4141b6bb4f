/**
 * What crosses a process boundary, without NATS: the envelope schemas, `provider:model` references, the built-in roles' output contract,
 * Troupe's error base and the clock. `@troupe/bus/contracts` loads none of the NATS client, so a program that
 * only talks to the HTTP API (the `@troupe/client` package, a browser page) can use it.
 */
export * from './envelopes.js';
export { ModelRefSchema, formatModelRef, isModelRef, parseModelRef } from './model-ref.js';
export type { ModelRef } from './model-ref.js';
export * from './role-outputs.js';
export { TroupeError, BusError, BusErrorCode, isBusError, toTroupeError } from './errors.js';
export { systemClock, createSimulatedClock } from './clock.js';
export type { Clock, SimulatedClock, TimerHandle } from './clock.js';
