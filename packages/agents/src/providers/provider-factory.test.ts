import { expect, it } from 'vitest';
import { createProviderFactory } from './provider-factory.js';

it('builds the SDK providers from process.env itself (not a plain object), as runAgent does', () => {
  process.env['OPENAI_API_KEY'] ??= 'test-key-for-the-factory';
  process.env['ANTHROPIC_API_KEY'] ??= 'test-key-for-the-factory';
  const providers = createProviderFactory({ env: process.env });
  expect(providers({ provider: 'openai', model: 'gpt-4o-mini' }).name).toBe('openai');
  expect(providers({ provider: 'anthropic', model: 'claude-haiku-4-5' }).name).toBe('anthropic');
});
