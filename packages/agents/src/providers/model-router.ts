import { systemClock, type Clock } from '@troupe/bus';
import { z } from 'zod';
import type { ChatRequest, ChatResponse, ModelProvider } from './chat.js';
import {
  ModelError,
  ModelErrorCode,
  toModelError,
  type ModelErrorCode as TModelErrorCode,
} from './model-error.js';
import { formatModelRef, toModelRef, type ModelRef, type ModelRefLike } from './model-ref.js';
import { parseOptions } from './options.js';

export const FallbackReason = {
  RateLimited: 'rate_limited',
  ServerError: 'server_error',
  Unavailable: 'unavailable',
  Timeout: 'timeout',
  /** The model failed recently and is skipped until its cool-down ends. */
  CircuitOpen: 'circuit_open',
  /** The caller asked for the cheap tier (budget pressure). */
  Budget: 'budget',
} as const;
export type FallbackReason = (typeof FallbackReason)[keyof typeof FallbackReason];

export interface ModelFallback {
  /** The model that should have answered (`provider:model`). */
  from: string;
  /** The model that did. */
  to: string;
  reason: FallbackReason;
}

export interface RoutedChatResponse extends ChatResponse {
  /** The model that answered. */
  ref: ModelRef;
  fallback?: ModelFallback;
}

export const ModelTier = { Default: 'default', Cheap: 'cheap' } as const;
export type ModelTier = (typeof ModelTier)[keyof typeof ModelTier];

export interface ModelRouter {
  readonly chain: readonly ModelRef[];
  readonly primary: ModelRef;
  chat(req: Omit<ChatRequest, 'model'>, options?: { tier?: ModelTier }): Promise<RoutedChatResponse>;
}

export type ProviderFactory = (ref: ModelRef) => ModelProvider;

export interface ModelRouterOptions {
  /** Models in order of preference; the second is also the cheap tier. */
  chain: readonly ModelRefLike[];
  providers: ProviderFactory;
  clock?: Clock;
  /**
   * How many failed calls (each after the SDK's own retries) a model may have in a row before the next model in the
   * chain answers. Default 1: the SDK has already retried.
   */
  failuresBeforeFallback?: number;
  /** After falling back, how long a model is skipped before it is tried again. Default 30 s. */
  cooldownMs?: number;
}

const RouterOptionsSchema = z.object({
  chain: z.array(z.unknown()).min(1, 'needs at least one model'),
  providers: z.custom<ProviderFactory>(
    (v) => typeof v === 'function',
    'must be a function (ref) => ModelProvider',
  ),
  failuresBeforeFallback: z.number().int().min(1).default(1),
  cooldownMs: z.number().int().min(0).default(30_000),
});

const REASON_FOR: Partial<Record<TModelErrorCode, FallbackReason>> = {
  RATE_LIMITED: FallbackReason.RateLimited,
  SERVER_ERROR: FallbackReason.ServerError,
  UNAVAILABLE: FallbackReason.Unavailable,
  TIMEOUT: FallbackReason.Timeout,
};

/**
 * Calls the first model of the chain; when it keeps failing with retryable errors (429, 5xx, timeouts, unreachable)
 * the next model answers and the response says so in `fallback`. A failed model is skipped for `cooldownMs`
 * (read from the injected clock) so later calls do not pay for its failures again. Non-retryable errors
 * (bad request, auth, abort) are thrown at once: another model would not fix them.
 */
export function createModelRouter(options: ModelRouterOptions): ModelRouter {
  const opts = parseOptions(RouterOptionsSchema, options, 'createModelRouter');
  const chain = options.chain.map((r, i) => toModelRef(r, `createModelRouter: option "chain.${i}"`));
  const clock = options.clock ?? systemClock;
  const providers = new Map<string, ModelProvider>();
  const health = chain.map(() => ({ failures: 0, skipUntil: -Infinity }));
  const providerFor = (ref: ModelRef): ModelProvider => {
    const key = formatModelRef(ref);
    let p = providers.get(key);
    if (!p) {
      p = opts.providers(ref);
      providers.set(key, p);
    }
    return p;
  };

  return {
    chain,
    primary: chain[0] as ModelRef,
    async chat(req, callOptions = {}) {
      const primary = chain[0] as ModelRef;
      const start = callOptions.tier === ModelTier.Cheap && chain.length > 1 ? 1 : 0;
      let reason: FallbackReason | undefined = start > 0 ? FallbackReason.Budget : undefined;
      let lastError: ModelError | undefined;
      for (let i = start; i < chain.length; i++) {
        const ref = chain[i] as ModelRef;
        const state = health[i] as { failures: number; skipUntil: number };
        const isLast = i === chain.length - 1;
        if (!isLast && clock.now() < state.skipUntil) {
          reason ??= FallbackReason.CircuitOpen;
          continue;
        }
        for (;;) {
          try {
            const res = await providerFor(ref).chat({ ...req, model: ref.model });
            state.failures = 0;
            state.skipUntil = -Infinity;
            return {
              ...res,
              ref,
              ...(i > 0 && reason
                ? { fallback: { from: formatModelRef(primary), to: formatModelRef(ref), reason } }
                : {}),
            };
          } catch (err) {
            const error = toModelError(err, { provider: ref.provider, model: ref.model, signal: req.signal });
            if (!error.retryable || req.signal?.aborted) throw error;
            lastError = error;
            state.failures += 1;
            if (state.failures >= opts.failuresBeforeFallback) {
              state.skipUntil = clock.now() + opts.cooldownMs;
              reason ??= REASON_FOR[error.code] ?? FallbackReason.ServerError;
              break;
            }
          }
        }
      }
      throw new ModelError(
        lastError?.code ?? ModelErrorCode.Unavailable,
        `every model in the chain failed (${chain.slice(start).map(formatModelRef).join(', ')})${
          lastError ? `: ${lastError.message}` : ''
        }`,
        { cause: lastError, details: { chain: chain.map(formatModelRef) } },
      );
    },
  };
}
