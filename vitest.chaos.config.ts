import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// `pnpm test:chaos`: the chaos suite alone, with the 200 tasks over both phases (single server, cluster)
// unless CHAOS_TASKS and CHAOS_PHASES say otherwise.
// (Spread, not mergeConfig: that would add this include to the whole suite's instead of replacing it.)
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['tests/chaos/chaos.test.ts'],
    env: {
      CHAOS_TASKS: process.env['CHAOS_TASKS'] ?? '200',
      CHAOS_PHASES: process.env['CHAOS_PHASES'] ?? 'single,cluster',
    },
    maxWorkers: 1,
  },
});
