import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Buckets, type Bus, type TypedKv } from '@troupe/bus';
import { withChatSpan } from '@troupe/telemetry';
import type { ToolInvoker } from '../execution/types.js';
import type { ModelRouter, RoutedChatResponse } from '../providers/model-router.js';

/** Cached answers live in KV `troupe_cache` (bucket TTL) under a digest of everything that shapes them. */
const CachedSchema = z.object({ kind: z.enum(['model', 'tool']), value: z.unknown() });

export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

export interface CacheStats {
  hits: number;
  misses: number;
}

export async function openCallCache(bus: Bus) {
  const kv: TypedKv<z.infer<typeof CachedSchema>> = await bus.kv(Buckets.Cache, CachedSchema);
  const stats: CacheStats = { hits: 0, misses: 0 };

  /** A router whose answers are looked up first; a hit is marked in the trace and costs no tokens. */
  const wrapRouter = (router: ModelRouter): ModelRouter => ({
    chain: router.chain,
    primary: router.primary,
    async chat(req, options) {
      const { signal: _signal, onDelta: _onDelta, ...shape } = req;
      const key = `m.${digest({ chain: router.chain, tier: options?.tier ?? null, ...shape })}`;
      const hit = await kv.get(key).catch(() => undefined);
      if (hit && hit.value.kind === 'model') {
        stats.hits++;
        const cached = hit.value.value as RoutedChatResponse;
        return withChatSpan(
          { provider: cached.provider, model: cached.model, attributes: { 'troupe.cache.hit': true } },
          () => ({ ...cached, usage: { inputTokens: 0, outputTokens: 0 } }),
        );
      }
      stats.misses++;
      const answer = await router.chat(req, options);
      await kv.put(key, { kind: 'model', value: answer }).catch(() => undefined);
      return answer;
    },
  });

  /** Tools whose successful results are looked up first. */
  const wrapTools = (tools: ToolInvoker): ToolInvoker => ({
    specs: () => tools.specs(),
    async call(name, rawArgs, callOptions) {
      const key = `t.${digest({ name, rawArgs })}`;
      const hit = await kv.get(key).catch(() => undefined);
      if (hit && hit.value.kind === 'tool') {
        stats.hits++;
        return { ok: true, name, value: hit.value.value, durationMs: 0 };
      }
      stats.misses++;
      const outcome = await tools.call(name, rawArgs, callOptions);
      if (outcome.ok) await kv.put(key, { kind: 'tool', value: outcome.value }).catch(() => undefined);
      return outcome;
    },
  });

  return { wrapRouter, wrapTools, stats };
}
