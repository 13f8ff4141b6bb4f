import { createAnthropicProvider, type AnthropicProviderOptions } from './anthropic-provider.js';
import type { ModelProvider } from './chat.js';
import type { ModelEnv, ModelRef, ProviderName } from './model-ref.js';
import type { ProviderFactory } from './model-router.js';
import { createOfflineProvider, type OfflineProviderOptions } from './offline/offline-provider.js';
import { createOpenAIProvider, type OpenAIProviderOptions } from './openai-provider.js';

export interface ProviderFactoryOptions {
  /** Where keys and base URLs are read from; defaults to `process.env`. */
  env?: ModelEnv;
  openai?: Omit<OpenAIProviderOptions, 'env'>;
  anthropic?: Omit<AnthropicProviderOptions, 'env'>;
  offline?: OfflineProviderOptions;
}

/**
 * Builds the provider a model reference names, once per provider (one SDK client each), configured from `env`
 * plus per-provider options. Hand it to `createModelRouter({ providers })`.
 */
export function createProviderFactory(options: ProviderFactoryOptions = {}): ProviderFactory {
  const env = options.env ?? process.env;
  const made = new Map<ProviderName, ModelProvider>();
  return (ref: ModelRef) => {
    let provider = made.get(ref.provider);
    if (!provider) {
      switch (ref.provider) {
        case 'openai':
          provider = createOpenAIProvider({ ...options.openai, env });
          break;
        case 'anthropic':
          provider = createAnthropicProvider({ ...options.anthropic, env });
          break;
        case 'offline':
          provider = createOfflineProvider(options.offline);
          break;
      }
      made.set(ref.provider, provider);
    }
    return provider;
  };
}
