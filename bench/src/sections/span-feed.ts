import { join } from 'node:path';
import { repoRoot } from '@troupe/bus/testing';
import { z } from 'zod';
import { BenchError, BenchErrorCode } from '../errors.js';
import type { ProcessPool } from '../process-pool.js';

const RowSchema = z.looseObject({
  config: z.string(),
  spans: z.number(),
  spansPerSec: z.number(),
  handlerP50Us: z.number(),
  handlerP99Us: z.number(),
  cpuUsPerSpan: z.number(),
  overheadUsPerSpan: z.number(),
  delivered: z.number().optional(),
  dropped: z.number().optional(),
});
const ResultSchema = z.object({ name: z.string(), rows: z.array(RowSchema) });
export type SpanFeedResult = z.infer<typeof ResultSchema>;

/**
 * The telemetry package's own benchmark (`runSpanFeedBench` in packages/telemetry/bench), run in its own
 * process because it installs and removes the global OpenTelemetry providers; it prints its result as
 * the last JSON line.
 */
export async function runSpanFeed(pool: ProcessPool): Promise<SpanFeedResult> {
  const file = join(repoRoot(), 'packages', 'telemetry', 'bench', 'span-feed.bench.ts');
  const stdout = await pool.run('span-feed', file, {}, 180_000);
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"name"'));
  if (!line)
    throw new BenchError(
      BenchErrorCode.Incomplete,
      `the span-feed bench printed no result:\n${stdout.slice(-2000)}`,
    );
  return ResultSchema.parse(JSON.parse(line));
}
