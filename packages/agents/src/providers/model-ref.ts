import { formatModelRef, parseModelRef as parseProviderAndModel } from '@troupe/bus';
import { ModelError, ModelErrorCode } from './model-error.js';

export const ProviderName = {
  OpenAI: 'openai',
  Anthropic: 'anthropic',
  Offline: 'offline',
} as const;
export type ProviderName = (typeof ProviderName)[keyof typeof ProviderName];

const PROVIDER_NAMES: readonly string[] = Object.values(ProviderName);

/** Which model answers: `openai:gpt-4o-mini`, `anthropic:claude-haiku-4-5`, `offline:offline-1`. */
export interface ModelRef {
  provider: ProviderName;
  model: string;
}
export type ModelRefLike = ModelRef | string;

/** The model each provider uses when only its key is configured. */
export const DEFAULT_MODELS = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-haiku-4-5',
  offline: 'offline-1',
} as const satisfies Record<ProviderName, string>;

export type ModelEnv = Readonly<Record<string, string | undefined>>;

function invalid(message: string, value: string, cause?: unknown): ModelError {
  return new ModelError(ModelErrorCode.InvalidOptions, message, { cause, details: { value } });
}

/**
 * Parse `provider:model` (the form `@troupe/bus` checks) naming a provider this package has. The model part may
 * itself hold colons (`openai:llama3.1:8b` for an Ollama model). `label` names where the value came from in the
 * error message (`TROUPE_MODEL`, `defaultModel`, ...).
 */
export function parseModelRef(value: string, label = 'model reference'): ModelRef {
  let provider: string;
  let model: string;
  try {
    ({ provider, model } = parseProviderAndModel(value, label));
  } catch (err) {
    throw invalid((err as Error).message, value, err);
  }
  if (!PROVIDER_NAMES.includes(provider)) {
    throw invalid(
      `${label} "${value}" names an unknown provider "${provider}": expected one of ${PROVIDER_NAMES.join(', ')}`,
      value,
    );
  }
  return { provider: provider as ProviderName, model };
}

export function toModelRef(ref: ModelRefLike, label?: string): ModelRef {
  return typeof ref === 'string' ? parseModelRef(ref, label) : parseModelRef(formatModelRef(ref), label);
}

export { formatModelRef };

/** Whether `env` holds what a provider needs to make calls. */
export function providerConfigured(provider: ProviderName, env: ModelEnv): boolean {
  switch (provider) {
    case 'openai':
      return Boolean(env['OPENAI_API_KEY']);
    case 'anthropic':
      return Boolean(env['ANTHROPIC_API_KEY'] || env['ANTHROPIC_AUTH_TOKEN']);
    case 'offline':
      return true;
  }
}

export interface ResolveModelOptions {
  env?: ModelEnv;
  /** The role's `defaultModel`; used when its provider is configured and `TROUPE_MODEL` is not set. */
  roleDefault?: ModelRefLike;
  /** A per-step choice from the workflow; always wins. */
  stepOverride?: ModelRefLike;
}

/**
 * Which model a step uses: the step's override, else `TROUPE_MODEL` (its first entry when it lists a chain),
 * else the role's default when its provider is configured, else the first provider with a key
 * (`OPENAI_API_KEY` → openai:gpt-4o-mini, `ANTHROPIC_API_KEY` → anthropic:claude-haiku-4-5), else offline:offline-1.
 */
export function resolveModelRef(options: ResolveModelOptions = {}): ModelRef {
  const chain = resolveModelChain(options);
  return chain[0] as ModelRef;
}

/**
 * Like `resolveModelRef`, but returns the whole fallback chain when `TROUPE_MODEL` lists several models,
 * comma-separated (`openai:gpt-4o,anthropic:claude-haiku-4-5`).
 */
export function resolveModelChain(options: ResolveModelOptions = {}): ModelRef[] {
  const env = options.env ?? process.env;
  if (options.stepOverride !== undefined) return [toModelRef(options.stepOverride, 'step model override')];
  const configured = env['TROUPE_MODEL']?.trim();
  if (configured) {
    const parts = configured.split(',').map((p) => p.trim());
    if (parts.some((p) => p.length === 0)) {
      throw invalid(`TROUPE_MODEL "${configured}" has an empty entry`, configured);
    }
    return parts.map((p) => parseModelRef(p, 'TROUPE_MODEL'));
  }
  if (options.roleDefault !== undefined) {
    const ref = toModelRef(options.roleDefault, 'role defaultModel');
    if (providerConfigured(ref.provider, env)) return [ref];
  }
  if (providerConfigured('openai', env)) return [{ provider: 'openai', model: DEFAULT_MODELS.openai }];
  if (providerConfigured('anthropic', env))
    return [{ provider: 'anthropic', model: DEFAULT_MODELS.anthropic }];
  return [{ provider: 'offline', model: DEFAULT_MODELS.offline }];
}
