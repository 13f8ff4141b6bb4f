import { Buckets, BusError, BusErrorCode, type Bus, type TypedKv } from '@troupe/bus';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { unavailable } from './unavailable.js';

const IdempotencyEntrySchema = z.object({ taskId: z.string(), fingerprint: z.string(), at: z.number() });
export type IdempotencyEntry = z.infer<typeof IdempotencyEntrySchema>;

/** What an `Idempotency-Key` claim found: the key is ours now, or an earlier request holds it. */
export type IdempotencyClaim =
  { claimed: true; release(): Promise<void> } | { claimed: false; entry: IdempotencyEntry };

/** `Idempotency-Key`s per tenant, in KV `troupe_idempotency` (a day's TTL). */
export interface IdempotencyKeys {
  claim(
    tenant: string,
    key: string,
    body: unknown,
    taskId: string,
    now: number,
  ): Promise<IdempotencyClaim & { fingerprint: string }>;
}

export function createIdempotencyKeys(bus: Bus): IdempotencyKeys {
  let kv: Promise<TypedKv<IdempotencyEntry>> | undefined;
  const keys = () => (kv ??= bus.kv(Buckets.Idempotency, IdempotencyEntrySchema));
  const failed = (err: unknown) => unavailable('checking the Idempotency-Key', err);
  return {
    async claim(tenant, key, body, taskId, now) {
      const stored = `${tenant}.${sha256Hex(key)}`;
      const fingerprint = sha256Hex(canonicalJson(body));
      const store = await keys().catch((err: unknown) => {
        throw failed(err);
      });
      for (let attempt = 0; ; attempt++) {
        try {
          await store.create(stored, { taskId, fingerprint, at: now });
          return {
            claimed: true,
            fingerprint,
            release: () => store.delete(stored).catch(() => undefined),
          };
        } catch (err) {
          if (!(err instanceof BusError && err.code === BusErrorCode.CasConflict)) throw failed(err);
          const existing = await store.get(stored).catch((getErr: unknown) => {
            throw failed(getErr);
          });
          if (existing) return { claimed: false, fingerprint, entry: existing.value };
          if (attempt >= 3) throw failed(err);
          // deleted in between (a failed first attempt released it): try to claim it again
        }
      }
    },
  };
}
