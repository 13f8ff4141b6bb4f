import { KvWatchInclude, type KV, type KvWatchEntry } from '@nats-io/kv';
import type { z } from 'zod';
import { pause } from './clock.js';
import { BusError, BusErrorCode, isBusError } from './errors.js';
import { encodeJson, parseJson, validateEnvelope } from './codec.js';

export interface KvEntry<T> {
  key: string;
  value: T;
  revision: number;
}

export interface CasOptions {
  /** Attempts before giving up with CAS_CONFLICT. */
  maxAttempts?: number;
}

/** What an update function returns: the new value, or `undefined` to leave the entry as it is. */
export type CasUpdate<T> = (current: KvEntry<T> | undefined) => T | undefined | Promise<T | undefined>;

const WRONG_LAST_SEQUENCE = 10071;
/** Between tries to start a watch again after an outage: a cluster's election takes a moment. */
const OUTAGE_RETRY_MS = 250;

export function isWrongLastSequence(err: unknown): boolean {
  const e = err as { code?: unknown; message?: string; cause?: unknown };
  if (e?.code === WRONG_LAST_SEQUENCE) return true;
  if (/wrong last sequence|key exists/i.test(String(e?.message ?? ''))) return true;
  return e?.cause !== undefined && e.cause !== err ? isWrongLastSequence(e.cause) : false;
}

/** How a bucket reaches the server: requests through the reconnect guard, and the largest value it takes. */
export interface KvIo {
  guard: <R>(request: () => Promise<R>, what: string) => Promise<R>;
  maxValueBytes: () => number;
  /** The keys that hold a value, matching a filter. */
  listKeys: (filter: string) => Promise<string[]>;
  /** How many keys have stored messages matching a filter. */
  countKeys: (filter: string) => Promise<number>;
  /**
   * Publishes a value on a key's subject if the key's last revision is `expectedRevision` (0: no revision),
   * with a message id naming that revision (see `TypedKv.update`).
   */
  publishOver: (
    key: string,
    body: Uint8Array,
    expectedRevision: number,
  ) => Promise<{ revision: number; duplicate: boolean }>;
  /** True once the bus is closed: a watch that ends then is over, not resumed. */
  isClosed: () => boolean;
  /** Resolves now while connected, else once the connection is back. */
  whenConnected: () => Promise<void>;
}

/**
 * Errors a watch outlives: the connection dropped (DISCONNECTED), or a request went unanswered while a
 * server restarted or a cluster elected a leader (timeouts, no responders, "jetstream is not enabled").
 */
function isPassingOutage(err: unknown): boolean {
  if (isBusError(err, BusErrorCode.Disconnected) || isBusError(err, BusErrorCode.Timeout)) return true;
  return /timeout|no responders|not enabled|leadership|connection (closed|dropped)/i.test(
    String((err as Error)?.message ?? ''),
  );
}

/** What a watch of a KV bucket hands out, in the bucket's order. */
export type KvChange<T> =
  | { type: 'value'; key: string; value: T; revision: number }
  | { type: 'deleted'; key: string; revision: number }
  /** A stored value that does not match the schema: the watcher goes on; the caller decides what to say. */
  | { type: 'invalid'; key: string; revision: number; error: Error }
  /** Every value stored when the watch began has been handed out; what follows are changes. */
  | { type: 'synced' };

export interface KvWatchOptions {
  /** Ends the watch. */
  signal?: AbortSignal;
  /** Leave the stored values out: changes from now on only (`synced` comes first). */
  updatesOnly?: boolean;
}

/** A KV bucket whose values are JSON validated by a schema; made by `bus.kv(bucket, schema)`. */
export class TypedKv<T> {
  readonly #kv: KV;

  /** @internal Made by `bus.kv(bucket, schema)`. */
  constructor(
    kv: KV,
    readonly bucket: string,
    private readonly schema: z.ZodType<T>,
    private readonly io: KvIo,
  ) {
    this.#kv = kv;
  }

  /** The value as stored; PAYLOAD_TOO_LARGE, naming the key and both sizes, when the server would refuse it. */
  private encode(key: string, value: T): Uint8Array {
    const body = encodeJson(value);
    const limit = this.io.maxValueBytes();
    if (body.length > limit) {
      throw new BusError(
        BusErrorCode.PayloadTooLarge,
        `${this.bucket}/${key}: a value of ${body.length} bytes is over the ${limit} bytes the server accepts (max_payload)`,
        { details: { bucket: this.bucket, key, bytes: body.length, limit } },
      );
    }
    return body;
  }

  async get(key: string): Promise<KvEntry<T> | undefined> {
    return this.read(key);
  }

  /** The value `key` had at `revision` (a bucket that keeps history); undefined when that revision is gone. */
  async getRevision(key: string, revision: number): Promise<KvEntry<T> | undefined> {
    return this.read(key, revision);
  }

  private async read(key: string, revision?: number): Promise<KvEntry<T> | undefined> {
    const entry = await this.io.guard(
      () => this.#kv.get(key, revision === undefined ? undefined : { revision }),
      revision === undefined ? `get ${key}` : `get ${key}@${revision}`,
    );
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return undefined;
    const value = validateEnvelope(
      this.schema,
      parseJson(entry.value, `${this.bucket}/${key}`),
      `${this.bucket}/${key}`,
    );
    return { key, value, revision: entry.revision };
  }

  async put(key: string, value: T): Promise<number> {
    const body = this.encode(key, value);
    return this.io.guard(() => this.#kv.put(key, body), `put ${key}`);
  }

  /** Creates the key (or writes over its delete marker); fails with CAS_CONFLICT when it exists. */
  async create(key: string, value: T): Promise<number> {
    const body = this.encode(key, value);
    try {
      return await this.writeOver(key, body, 0);
    } catch (err) {
      if (!(err instanceof BusError && err.code === BusErrorCode.CasConflict)) throw err;
      const last = await this.io.guard(() => this.#kv.get(key), `get ${key}`);
      if (last && (last.operation === 'DEL' || last.operation === 'PURGE')) {
        return this.writeOver(key, body, last.revision);
      }
      throw err;
    }
  }

  /** Writes only when the entry is still at `revision`; fails with CAS_CONFLICT otherwise. */
  async update(key: string, value: T, revision: number): Promise<number> {
    return this.writeOver(key, this.encode(key, value), revision);
  }

  /**
   * The compare-and-set every write of an existing revision goes through. nats-server before 2.9.21 checks a
   * replicated stream's expected last revision of a key before the write is agreed on, not as part of it:
   * two writers over the same revision, a few milliseconds apart, both got stored (nats-server#4320; on a
   * 3-node cluster here, 120 of 300 such races). The message id `<key>@<revision>` closes that: the server
   * keeps ids of writes still being agreed on, so the second writer over a revision is answered as a
   * duplicate, which is a conflict like any other.
   */
  private async writeOver(key: string, body: Uint8Array, revision: number): Promise<number> {
    const conflict = (cause?: unknown) =>
      new BusError(
        BusErrorCode.CasConflict,
        revision === 0
          ? `${this.bucket}/${key} exists already`
          : `${this.bucket}/${key} changed since revision ${revision}`,
        { ...(cause ? { cause } : {}), details: { key, revision } },
      );
    let written: { revision: number; duplicate: boolean };
    try {
      written = await this.io.guard(
        () => this.io.publishOver(key, body, revision),
        revision === 0 ? `create ${key}` : `update ${key}`,
      );
    } catch (err) {
      if (isWrongLastSequence(err)) throw conflict(err);
      throw err;
    }
    if (written.duplicate) throw conflict();
    return written.revision;
  }

  /**
   * Read, apply `fn`, write back with compare-and-set; on conflict read again and retry.
   * Returns the entry as written (or as found, when `fn` returned undefined).
   */
  async casUpdate(key: string, fn: CasUpdate<T>, options: CasOptions = {}): Promise<KvEntry<T> | undefined> {
    const maxAttempts = options.maxAttempts ?? 100;
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(key);
      const next = await fn(current);
      if (next === undefined) return current;
      try {
        const revision = current
          ? await this.update(key, next, current.revision)
          : await this.create(key, next);
        return { key, value: next, revision };
      } catch (err) {
        if (!(err instanceof BusError && err.code === BusErrorCode.CasConflict) || attempt >= maxAttempts)
          throw err;
        // Writers that keep colliding fall into step (read together, write together, the same one losing):
        // from the second conflict on, a random pause of up to `attempt` ms (20 at most) takes them apart.
        if (attempt > 1) await pause(Math.random() * Math.min(attempt, 20));
      }
    }
  }

  async delete(key: string): Promise<void> {
    await this.io.guard(() => this.#kv.delete(key), `delete ${key}`);
  }

  /**
   * The values of the keys matching `filter` (`*` and `>` as in subjects), then every change, until
   * `options.signal` aborts or the bus closes. nats.js follows the bucket with an ordered consumer, which
   * starts again by itself after a reconnect; should its iterator end anyway, the watch resumes from the
   * revision after the last one handed out, so a caller sees one unbroken watch.
   */
  async *watch(filter = '>', options: KvWatchOptions = {}): AsyncGenerator<KvChange<T>, void, undefined> {
    const { signal } = options;
    let synced = false;
    let resumeFrom: number | undefined;
    while (!signal?.aborted && !this.io.isClosed()) {
      let watcher: Awaited<ReturnType<KV['watch']>> | undefined;
      try {
        watcher = await this.#kv.watch({
          key: filter,
          ...(resumeFrom !== undefined
            ? { resumeFromRevision: resumeFrom }
            : options.updatesOnly
              ? { include: KvWatchInclude.UpdatesOnly }
              : {}),
        });
        const stop = () => watcher?.stop();
        signal?.addEventListener('abort', stop, { once: true });
        // Aborted while the watch was being created: the listener above will never fire.
        if (signal?.aborted) stop();
        try {
          // Stored values come first, counted down by `delta`; a bucket with none is synced at once.
          if (!synced && resumeFrom === undefined) {
            synced = options.updatesOnly === true || (await this.io.countKeys(filter)) === 0;
            if (synced) yield { type: 'synced' };
          }
          for await (const entry of watcher) {
            resumeFrom = entry.revision + 1;
            yield this.change(entry);
            if (!synced && (entry.isUpdate || !entry.delta)) {
              synced = true;
              yield { type: 'synced' };
            }
          }
        } finally {
          signal?.removeEventListener('abort', stop);
        }
      } catch (err) {
        // Starting (or restarting) the watch failed in an outage: start again once it is over, from where
        // the watch had got to, instead of ending the caller's watch with a passing error.
        if (signal?.aborted || this.io.isClosed() || !isPassingOutage(err)) throw err;
        watcher?.stop();
        await this.io.whenConnected();
        await pause(OUTAGE_RETRY_MS);
        continue;
      } finally {
        watcher?.stop();
      }
    }
  }

  private change(entry: KvWatchEntry): KvChange<T> {
    const where = `${this.bucket}/${entry.key}`;
    if (entry.operation !== 'PUT' || entry.length === 0) {
      return { type: 'deleted', key: entry.key, revision: entry.revision };
    }
    try {
      const value = validateEnvelope(this.schema, parseJson(entry.value, where), where);
      return { type: 'value', key: entry.key, value, revision: entry.revision };
    } catch (err) {
      return { type: 'invalid', key: entry.key, revision: entry.revision, error: err as Error };
    }
  }

  /** The keys that hold a value (deleted ones left out), matching `filter`: `*` and `>` as in subjects. */
  async keys(filter = '>'): Promise<string[]> {
    return this.io.listKeys(filter);
  }
}
