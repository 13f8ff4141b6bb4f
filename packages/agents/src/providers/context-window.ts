import { formatModelRef, toModelRef, type ModelRefLike } from './model-ref.js';

/** Context windows in tokens; a dated snapshot takes the value of the longest key it starts with. */
const CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  'openai:gpt-5': 400_000,
  'openai:gpt-4.1': 1_047_576,
  'openai:gpt-4o': 128_000,
  'openai:o3': 200_000,
  'openai:o4-mini': 200_000,
  'anthropic:claude': 200_000,
  'offline:offline-1': 128_000,
};

/** Used for models the table does not know (an Ollama or vLLM model behind the OpenAI provider, say). */
export const DEFAULT_CONTEXT_WINDOW = 32_000;

export function contextWindowFor(ref: ModelRefLike): number {
  const key = formatModelRef(toModelRef(ref));
  let best: string | undefined;
  for (const candidate of Object.keys(CONTEXT_WINDOWS)) {
    if ((key === candidate || key.startsWith(`${candidate}-`)) && (!best || candidate.length > best.length)) {
      best = candidate;
    }
  }
  if (best) return CONTEXT_WINDOWS[best] as number;
  return key.startsWith('offline:') ? 128_000 : DEFAULT_CONTEXT_WINDOW;
}
