import type { ChatUsage } from './chat.js';
import { ModelError, ModelErrorCode } from './model-error.js';
import { formatModelRef, toModelRef, type ModelRefLike } from './model-ref.js';

/** USD per one million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * List prices (USD per 1M tokens, standard tier, no caching or batch discounts) of common models.
 * Keys are `provider:model`; a dated snapshot (`gpt-4o-mini-2024-07-18`, `claude-haiku-4-5-20251001`)
 * takes the price of the longest key it starts with. Override per deployment with `overrides`.
 */
export const DEFAULT_PRICES: Readonly<Record<string, ModelPrice>> = {
  'openai:gpt-5': { input: 1.25, output: 10 },
  'openai:gpt-5-mini': { input: 0.25, output: 2 },
  'openai:gpt-5-nano': { input: 0.05, output: 0.4 },
  'openai:gpt-4.1': { input: 2, output: 8 },
  'openai:gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'openai:gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'openai:gpt-4o': { input: 2.5, output: 10 },
  'openai:gpt-4o-mini': { input: 0.15, output: 0.6 },
  'openai:o3': { input: 2, output: 8 },
  'openai:o3-mini': { input: 1.1, output: 4.4 },
  'openai:o4-mini': { input: 1.1, output: 4.4 },
  'anthropic:claude-opus-4-5': { input: 5, output: 25 },
  'anthropic:claude-opus-4-1': { input: 15, output: 75 },
  'anthropic:claude-opus-4': { input: 15, output: 75 },
  'anthropic:claude-sonnet-4-5': { input: 3, output: 15 },
  'anthropic:claude-sonnet-4': { input: 3, output: 15 },
  'anthropic:claude-3-7-sonnet': { input: 3, output: 15 },
  'anthropic:claude-haiku-4-5': { input: 1, output: 5 },
  'anthropic:claude-3-5-haiku': { input: 0.8, output: 4 },
  'offline:offline-1': { input: 0, output: 0 },
};

export type PriceTable = Readonly<Record<string, ModelPrice>>;

function validatePrices(table: PriceTable): void {
  for (const [key, price] of Object.entries(table)) {
    for (const side of ['input', 'output'] as const) {
      const v = price[side];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new ModelError(
          ModelErrorCode.InvalidOptions,
          `price override "${key}.${side}" must be a non-negative number, got ${String(v)}`,
        );
      }
    }
  }
}

/** The price of a model, or undefined when neither the table nor the overrides know it. Offline models are free. */
export function priceFor(ref: ModelRefLike, overrides?: PriceTable): ModelPrice | undefined {
  const parsed = toModelRef(ref);
  if (overrides) validatePrices(overrides);
  const table = overrides ? { ...DEFAULT_PRICES, ...overrides } : DEFAULT_PRICES;
  const key = formatModelRef(parsed);
  const exact = table[key];
  if (exact) return exact;
  let best: string | undefined;
  for (const candidate of Object.keys(table)) {
    if (key.startsWith(`${candidate}-`) && (!best || candidate.length > best.length)) best = candidate;
  }
  if (best) return table[best];
  return parsed.provider === 'offline' ? { input: 0, output: 0 } : undefined;
}

/** What a call cost in USD; 0 for a model with no known price. */
export function costUsd(ref: ModelRefLike, usage: ChatUsage, overrides?: PriceTable): number {
  return costAt(priceFor(ref, overrides), usage);
}

/** What a call cost in USD at a price looked up before; 0 for none. */
export function costAt(price: ModelPrice | undefined, usage: ChatUsage): number {
  if (!price) return 0;
  const cost = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  return Math.round(cost * 1e9) / 1e9;
}
