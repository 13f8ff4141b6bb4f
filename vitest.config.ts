import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@troupe/source'] },
  ssr: { resolve: { conditions: ['@troupe/source'], externalConditions: ['@troupe/source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'tests/**/*.test.ts',
      'bench/src/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
