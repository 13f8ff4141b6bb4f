import { BusError, BusErrorCode } from './errors.js';

/** The one module that knows Troupe's subject names. No subject string is written anywhere else. */
export const ROOT = 'troupe';

const TOKEN = /^[A-Za-z0-9_-]+$/;

function token(kind: string, value: string): string {
  if (!TOKEN.test(value)) {
    throw new BusError(
      BusErrorCode.InvalidSubject,
      `${kind} "${value}" is not a valid subject token: use letters, digits, "-" and "_" only`,
    );
  }
  return value;
}

export const subjects = {
  /** A task's submission: one subject per task, so the API can read a task no supervisor has started yet. */
  taskSubmit: (tenant: string, taskId: string) =>
    `${ROOT}.task.submit.${token('tenant', tenant)}.${token('task id', taskId)}`,
  /** A tenant's submissions, or every tenant's. */
  taskSubmits: (tenant?: string) =>
    `${ROOT}.task.submit.${tenant === undefined ? '>' : `${token('tenant', tenant)}.*`}`,
  work: (role: string) => `${ROOT}.work.${token('role', role)}`,
  allWork: () => `${ROOT}.work.>`,
  /** A step's result, under the role that produced it, so an agent's user may publish only its own role's. */
  result: (role: string, taskId: string) =>
    `${ROOT}.result.${token('role', role)}.${token('task id', taskId)}`,
  /** One role's results, or every role's. */
  allResults: (role?: string) => `${ROOT}.result.${role === undefined ? '>' : `${token('role', role)}.*`}`,
  control: (taskId: string) => `${ROOT}.control.${token('task id', taskId)}`,
  allControl: () => `${ROOT}.control.>`,
  abort: (taskId: string) => `${ROOT}.abort.${token('task id', taskId)}`,
  allAborts: () => `${ROOT}.abort.>`,
  /** Live-only progress (a model's streamed text): core NATS, not stored; the journal keeps the rest. */
  live: (taskId: string) => `${ROOT}.live.${token('task id', taskId)}`,
  allLive: () => `${ROOT}.live.>`,
  heartbeat: (role: string, agentId: string) =>
    `${ROOT}.agent.heartbeat.${token('role', role)}.${token('agent id', agentId)}`,
  allHeartbeats: () => `${ROOT}.agent.heartbeat.>`,
  /** One role's heartbeats, from any of its agents. */
  roleHeartbeats: (role: string) => `${ROOT}.agent.heartbeat.${token('role', role)}.*`,
  health: (agentId: string) => `${ROOT}.agent.health.${token('agent id', agentId)}`,
  allHealth: () => `${ROOT}.agent.health.*`,
  /** One trace's spans (the live span feed sends one message per trace per flush). */
  spans: (traceId: string) => `${ROOT}.telemetry.spans.${token('trace id', traceId)}`,
  allSpans: () => `${ROOT}.telemetry.spans.>`,
  /** Every Troupe subject. */
  everything: () => `${ROOT}.>`,
  deadLetter: (source: string) => `${ROOT}.dlq.${token('source', source)}`,
  allDeadLetters: () => `${ROOT}.dlq.>`,
} as const;

export type ParsedSubject =
  | { kind: 'task.submit'; tenant: string; taskId: string }
  | { kind: 'work'; role: string }
  | { kind: 'result'; role: string; taskId: string }
  | { kind: 'control'; taskId: string }
  | { kind: 'abort'; taskId: string }
  | { kind: 'live'; taskId: string }
  | { kind: 'heartbeat'; role: string; agentId: string }
  | { kind: 'health'; agentId: string }
  | { kind: 'spans'; traceId: string }
  | { kind: 'dead-letter'; source: string };

export function parseSubject(subject: string): ParsedSubject {
  const parts = subject.split('.');
  const bad = () =>
    new BusError(BusErrorCode.InvalidSubject, `"${subject}" is not a Troupe subject`, {
      details: { subject },
    });
  if (parts[0] !== ROOT) throw bad();
  const [, a, b, c, d] = parts;
  const n = parts.length;
  if (a === 'task' && b === 'submit' && c && d && n === 5)
    return { kind: 'task.submit', tenant: c, taskId: d };
  if (a === 'work' && b && n === 3) return { kind: 'work', role: b };
  if (a === 'result' && b && c && n === 4) return { kind: 'result', role: b, taskId: c };
  if (a === 'control' && b && n === 3) return { kind: 'control', taskId: b };
  if (a === 'abort' && b && n === 3) return { kind: 'abort', taskId: b };
  if (a === 'live' && b && n === 3) return { kind: 'live', taskId: b };
  if (a === 'agent' && b === 'heartbeat' && c && d && n === 5)
    return { kind: 'heartbeat', role: c, agentId: d };
  if (a === 'agent' && b === 'health' && c && n === 4) return { kind: 'health', agentId: c };
  if (a === 'telemetry' && b === 'spans' && c && n === 4) return { kind: 'spans', traceId: c };
  if (a === 'dlq' && b && n === 3) return { kind: 'dead-letter', source: b };
  throw bad();
}

/**
 * NATS and JetStream's own subjects that Troupe's processes use, for the permission model (permissions.ts).
 * A `>` or `*` argument stands for any stream, consumer or key.
 */
export const systemSubjects = {
  /** Replies to this connection's requests, fetches and ordered consumers (the connection's inbox prefix). */
  inbox: (prefix: string) => `${prefix}.>`,
  jsInfo: () => '$JS.API.INFO',
  streamInfo: (stream: string) => `$JS.API.STREAM.INFO.${stream}`,
  streamNames: () => '$JS.API.STREAM.NAMES',
  streamList: () => '$JS.API.STREAM.LIST',
  streamCreate: (stream: string) => `$JS.API.STREAM.CREATE.${stream}`,
  streamUpdate: (stream: string) => `$JS.API.STREAM.UPDATE.${stream}`,
  streamDelete: (stream: string) => `$JS.API.STREAM.DELETE.${stream}`,
  streamPurge: (stream: string) => `$JS.API.STREAM.PURGE.${stream}`,
  streamMsgGet: (stream: string) => `$JS.API.STREAM.MSG.GET.${stream}`,
  streamMsgDelete: (stream: string) => `$JS.API.STREAM.MSG.DELETE.${stream}`,
  /** Direct gets of a stream's messages (`$JS.API.DIRECT.GET.<stream>[.<subject>]`). */
  directGet: (stream: string) => [`$JS.API.DIRECT.GET.${stream}`, `$JS.API.DIRECT.GET.${stream}.>`],
  /** Creating a consumer: ephemeral and ordered readers as well as durables (`...CREATE.<stream>[.<name>[.<filter>]]`). */
  consumerCreate: (stream: string) => [
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
  ],
  durableCreate: (stream: string) => `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.>`,
  consumerDelete: (stream: string, consumer: string) => `$JS.API.CONSUMER.DELETE.${stream}.${consumer}`,
  consumerInfo: (stream: string, consumer: string) => `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
  consumerList: (stream: string) => [`$JS.API.CONSUMER.LIST.${stream}`, `$JS.API.CONSUMER.NAMES.${stream}`],
  /** Pulling from a consumer. */
  consumerNext: (stream: string, consumer: string) => `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`,
  /** Acks, naks, keep-alives and terms of a consumer's deliveries. */
  ack: (stream: string, consumer: string) => `$JS.ACK.${stream}.${consumer}.>`,
  /** Flow-control replies of push-based ordered consumers. */
  flowControl: () => '$JS.FC.>',
  advisories: () => '$JS.EVENT.ADVISORY.>',
  /** A KV bucket's keys (`$KV.<bucket>.<key>`). */
  kvKeys: (bucket: string) => `$KV.${bucket}.>`,
  kvKey: (bucket: string, key: string) => `$KV.${bucket}.${key}`,
  kvStream: (bucket: string) => `KV_${bucket}`,
  /** An object store's chunks and metadata. */
  objectStore: (bucket: string) => `$O.${bucket}.>`,
  objectStream: (bucket: string) => `OBJ_${bucket}`,
  allAcks: () => '$JS.ACK.>',
  allKv: () => '$KV.>',
  allObjects: () => '$O.>',
  /** Every JetStream API request. */
  jsAll: () => '$JS.API.>',
} as const;
