import type { JetStreamManager } from '@nats-io/jetstream';
import { BusError, BusErrorCode } from './errors.js';
import { journal } from './journal.js';
import { Buckets, Consumers, Streams } from './names.js';
import { systemSubjects } from './subjects.js';

/** One piece of Troupe's topology: a stream (a bucket or the object store is one too) or a durable consumer. */
export interface TopologyPiece {
  /** What a person reads: `stream TROUPE_WORK`, `bucket troupe_agents`, `consumer TROUPE_WORK/work-drafter`. */
  name: string;
  stream: string;
  consumer?: string;
}

/** Every piece a troupe needs, with the work consumers of `roles`. */
export function topologyPieces(roles: readonly string[] = []): TopologyPiece[] {
  const streams = Object.values(Streams).map((s) => ({ name: `stream ${s}`, stream: s }));
  const buckets = [Buckets.Tasks, Buckets.Agents, Buckets.Cache, Buckets.Idempotency, Buckets.Wakeups].map(
    (b) => ({
      name: `bucket ${b}`,
      stream: b === Buckets.Tasks ? journal.stream : systemSubjects.kvStream(b),
    }),
  );
  const objects = {
    name: `object store ${Buckets.Artifacts}`,
    stream: systemSubjects.objectStream(Buckets.Artifacts),
  };
  const consumer = (stream: string, consumer: string) => ({
    name: `consumer ${stream}/${consumer}`,
    stream,
    consumer,
  });
  return [
    ...streams,
    ...buckets,
    objects,
    consumer(Streams.Tasks, Consumers.SupervisorTasks),
    consumer(Streams.Results, Consumers.SupervisorResults),
    ...[...new Set(roles)].map((role) => consumer(Streams.Work, Consumers.work(role))),
  ];
}

/** The pieces that are not on the server. Read-only: stream and consumer info requests. */
export async function missingPieces(
  jsm: JetStreamManager,
  pieces: TopologyPiece[],
): Promise<TopologyPiece[]> {
  const present = await Promise.all(pieces.map((p) => exists(jsm, p)));
  return pieces.filter((_, i) => !present[i]);
}

async function exists(jsm: JetStreamManager, piece: TopologyPiece): Promise<boolean> {
  try {
    if (piece.consumer) await jsm.consumers.info(piece.stream, piece.consumer);
    else await jsm.streams.info(piece.stream);
    return true;
  } catch (err) {
    if (/(stream|consumer) not found/i.test(String((err as Error)?.message))) return false;
    if (isPermissionViolation(err)) {
      throw new BusError(
        BusErrorCode.PermissionDenied,
        `this NATS user may not look up ${piece.name}: ${(err as Error).message}`,
        { cause: err, details: { piece: piece.name } },
      );
    }
    throw err;
  }
}

export function topologyMissingError(missing: TopologyPiece[], cause?: unknown): BusError {
  const names = missing.map((p) => p.name);
  return new BusError(
    BusErrorCode.TopologyMissing,
    `the NATS server lacks Troupe's ${names.join(', ')}${cause ? ', and this user may not create them' : ''}: run \`troupe provision\` (with a user allowed to create streams and consumers)`,
    { ...(cause ? { cause } : {}), details: { missing: names } },
  );
}

/** True for the server's "Permissions Violation" (nats.js PermissionViolationError), anywhere in the cause chain. */
export function isPermissionViolation(err: unknown): boolean {
  for (
    let e = err as { name?: string; message?: string; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (e.name === 'PermissionViolationError' || /permissions violation/i.test(String(e.message)))
      return true;
  }
  return false;
}
