import { Buckets, Consumers, Streams } from './names.js';
import { subjects, systemSubjects as sys } from './subjects.js';

/**
 * Troupe's permission model: what each kind of process may publish and subscribe to on NATS, built from
 * the subject and topology names so that it cannot drift from them. `troupe nats-config` renders it as
 * nats-server users; nothing else decides who may do what.
 *
 * - provisioner: everything (creates and updates the topology; `troupe provision`, `troupe up`).
 * - supervisor: owns task state: every Troupe subject, every bucket, its own and the work consumers'
 *   messages; may not create, change or delete streams or durable consumers.
 * - api: submits tasks (for the given tenants, or all), sends control messages, asks agents for health,
 *   publishes its spans, reads tasks, heartbeats, dead letters, spans and artifacts; cannot pull or ack work.
 * - agent of role R: pulls and acks only R's work queue, publishes only R's results, heartbeats, spans,
 *   live events, R's dead letters, the cache and artifacts; reads aborts and answers health requests.
 */
export type Principal =
  | { kind: 'provisioner' }
  | { kind: 'supervisor' }
  | { kind: 'api'; tenants?: readonly string[] }
  | { kind: 'agent'; role: string };

export interface SubjectRules {
  allow: string[];
  deny: string[];
}

export interface Permissions {
  publish: SubjectRules;
  subscribe: SubjectRules;
  /** May answer requests sent to it (on the requester's reply subject), once each. */
  allowResponses: boolean;
}

/** The NATS user name of a principal: `provisioner`, `supervisor`, `api`, `agent-<role>`. */
export function userNameOf(p: Principal): string {
  return p.kind === 'agent' ? `agent-${p.role}` : p.kind;
}

/**
 * The inbox prefix a principal's connection must use (`TROUPE_NATS_INBOX_PREFIX`): replies, fetched work
 * and ordered readers arrive under it, and no other user may subscribe there.
 */
export function inboxPrefixOf(p: Principal): string {
  return `_INBOX_${userNameOf(p)}`;
}

const troupeStreams = (): string[] => [
  ...Object.values(Streams),
  sys.kvStream(Buckets.Tasks),
  sys.kvStream(Buckets.Agents),
  sys.kvStream(Buckets.Cache),
  sys.kvStream(Buckets.Idempotency),
  sys.kvStream(Buckets.Wakeups),
  sys.objectStream(Buckets.Artifacts),
];

/** Read-only topology checks (`checkTopology`): stream and shared-consumer info. */
const topologyChecks = (): string[] => [
  sys.jsInfo(),
  ...troupeStreams().map(sys.streamInfo),
  sys.consumerInfo(Streams.Tasks, Consumers.SupervisorTasks),
  sys.consumerInfo(Streams.Results, Consumers.SupervisorResults),
];

/** Reading a stream by message gets and short-lived (ordered) consumers. */
const streamReads = (stream: string): string[] => [
  sys.streamMsgGet(stream),
  ...sys.directGet(stream),
  ...sys.consumerCreate(stream),
  sys.consumerNext(stream, '*'),
  sys.consumerInfo(stream, '*'),
  sys.consumerDelete(stream, '*'),
];

/** Reading and writing the object store that holds large payloads and dead-lettered bytes. */
const artifacts = (): string[] => [
  sys.objectStore(Buckets.Artifacts),
  ...streamReads(sys.objectStream(Buckets.Artifacts)),
  sys.streamPurge(sys.objectStream(Buckets.Artifacts)),
];

const kvReadWrite = (bucket: string): string[] => [sys.kvKeys(bucket), ...streamReads(sys.kvStream(bucket))];

export function permissionsFor(p: Principal): Permissions {
  switch (p.kind) {
    case 'provisioner':
      return {
        publish: { allow: ['>'], deny: [] },
        subscribe: { allow: ['>'], deny: [] },
        allowResponses: false,
      };
    case 'supervisor':
      return supervisorPermissions();
    case 'api':
      return apiPermissions(p.tenants);
    case 'agent':
      return agentPermissions(p.role);
  }
}

function agentPermissions(role: string): Permissions {
  const work = Consumers.work(role);
  return {
    publish: {
      allow: [
        subjects.allResults(role),
        subjects.roleHeartbeats(role),
        subjects.allSpans(),
        subjects.allLive(),
        subjects.deadLetter(work),
        ...topologyChecks(),
        sys.consumerInfo(Streams.Work, work),
        sys.consumerNext(Streams.Work, work),
        sys.ack(Streams.Work, work),
        ...kvReadWrite(Buckets.Agents),
        ...kvReadWrite(Buckets.Cache),
        ...artifacts(),
        sys.flowControl(),
      ],
      deny: [],
    },
    subscribe: {
      allow: [sys.inbox(inboxPrefixOf({ kind: 'agent', role })), subjects.allAborts(), subjects.allHealth()],
      deny: [],
    },
    allowResponses: true,
  };
}

function apiPermissions(tenants: readonly string[] | undefined): Permissions {
  const submits = tenants ? tenants.map((t) => subjects.taskSubmits(t)) : [subjects.taskSubmits()];
  return {
    publish: {
      allow: [
        ...submits,
        subjects.allControl(),
        subjects.allHealth(),
        // Its own spans, to the live feed.
        subjects.allSpans(),
        ...topologyChecks(),
        // Queue depths: the work consumers' info, never their messages.
        ...sys.consumerList(Streams.Work),
        sys.consumerInfo(Streams.Work, '*'),
        ...streamReads(sys.kvStream(Buckets.Tasks)),
        ...streamReads(sys.kvStream(Buckets.Agents)),
        ...kvReadWrite(Buckets.Idempotency),
        ...streamReads(Streams.DeadLetters),
        ...streamReads(Streams.Spans),
        sys.streamMsgGet(Streams.Tasks),
        ...sys.directGet(Streams.Tasks),
        ...artifacts(),
        sys.flowControl(),
      ],
      deny: [],
    },
    subscribe: {
      allow: [
        sys.inbox(inboxPrefixOf({ kind: 'api' })),
        subjects.allLive(),
        subjects.allSpans(),
        subjects.allHeartbeats(),
      ],
      deny: [],
    },
    allowResponses: true,
  };
}

function supervisorPermissions(): Permissions {
  const everyStream = '*';
  return {
    publish: {
      allow: [
        subjects.everything(),
        sys.jsAll(),
        sys.allAcks(),
        sys.allKv(),
        sys.allObjects(),
        sys.flowControl(),
      ],
      deny: [
        sys.streamCreate(everyStream),
        sys.streamUpdate(everyStream),
        sys.streamDelete(everyStream),
        sys.durableCreate(everyStream),
        ...[Streams.Work, Streams.Tasks, Streams.Results].flatMap(sys.consumerCreate),
        sys.consumerDelete(Streams.Work, '*'),
        sys.consumerDelete(Streams.Tasks, '*'),
        sys.consumerDelete(Streams.Results, '*'),
      ],
    },
    subscribe: {
      allow: [subjects.everything(), sys.inbox(inboxPrefixOf({ kind: 'supervisor' })), sys.advisories()],
      deny: [],
    },
    allowResponses: true,
  };
}

/** Every principal a troupe with these agent roles needs, in a stable order. */
export function principalsFor(roles: readonly string[]): Principal[] {
  return [
    { kind: 'provisioner' },
    { kind: 'supervisor' },
    { kind: 'api' },
    ...[...new Set(roles)].sort().map((role): Principal => ({ kind: 'agent', role })),
  ];
}
