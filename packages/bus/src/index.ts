export { connect } from './connect.js';
export type { BusOptions } from './connect.js';
export { Bus } from './bus.js';
export type { PublishOptions, DurablePublishOptions, DurableAck } from './publisher.js';
export type { RequestOptions, SubscribeOptions, Incoming, BusSubscription, RawReply } from './subscriber.js';
export type { WorkConsumerOptions, DurableConsumerOptions } from './work-consumers.js';
export type { InvalidRecord, StreamReadOptions, StoredRecord, StreamTail } from './stream-reader.js';
export { LOG_SLOTS, journal, journalRecords } from './journal.js';
export type { JournalFilter, JournalKind } from './journal.js';
export type { ConnectOptions } from './options.js';
export type { ResolvedConnectOptions } from './options.js';
export { resolveConnectOptions } from './options.js';
export { NatsEnv, connectionEnv } from './connection-env.js';
export type { NatsCredentials, NatsTlsFiles } from './connection-env.js';
export { subjects, parseSubject } from './subjects.js';
export type { ParsedSubject } from './subjects.js';
export * from './envelopes.js';
export { ModelRefSchema, formatModelRef, isModelRef, parseModelRef } from './model-ref.js';
export type { ModelRef } from './model-ref.js';
export {
  TroupeError,
  BusError,
  BusErrorCode,
  isBusError,
  isTimeout,
  isNoResponders,
  toTroupeError,
} from './errors.js';
export { systemClock, createSimulatedClock } from './clock.js';
export type { Clock, SimulatedClock, TimerHandle } from './clock.js';
export { setTraceHooks, traceHooks } from './trace-hooks.js';
export type { TraceHooks, HeaderCarrier } from './trace-hooks.js';
export { Streams, Buckets, Consumers } from './topology.js';
export type { ProvisionReport } from './topology-admin.js';
export { permissionsFor, principalsFor, userNameOf, inboxPrefixOf } from './permissions.js';
export type { Principal, Permissions, SubjectRules } from './permissions.js';
export type { TopologyOptions, ResolvedTopology } from './topology.js';
export type { TypedKv } from './kv.js';
export type { KvChange, KvWatchOptions } from './kv.js';
export type { KvEntry, CasUpdate, CasOptions } from './kv.js';
export type { WorkMessage, WorkHandler, WorkConsumer } from './work-queue.js';
export { newTaskId, taskIdTime } from './ids.js';
export { freePort } from './free-port.js';
export * from './role-outputs.js';
export { TIMELINE_CHANNEL, markTimeline } from './timeline.js';
export type { TimelineMark, TimelinePhase } from './timeline.js';
