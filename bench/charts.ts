/**
 * `pnpm --filter @troupe/bench bench:charts`: the figures of bench/results/*.json as SVG charts in docs/img/
 * (bench-throughput.svg, bench-latency.svg, bench-cpu.svg, and bench-dashboard.svg once section 8 has run),
 * which docs/benchmarks.md shows. Run it after `pnpm bench` or `pnpm bench:dashboard`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCharts, readBenchResults } from './src/charts.js';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const outDir = join(benchDir, '..', 'docs', 'img');
mkdirSync(outDir, { recursive: true });
for (const chart of benchCharts(readBenchResults(join(benchDir, 'results')))) {
  writeFileSync(join(outDir, chart.name), chart.svg);
  process.stdout.write(`wrote docs/img/${chart.name}\n`);
}
