/**
 * `pnpm --filter @troupe/bench bench:charts`: from bench/results/*.json, the table docs/benchmarks.md opens
 * with (the #16 targets and the ratios to the floor and the peers, between its `current-figures` markers) and
 * the SVG charts in docs/img/ (bench-throughput.svg, bench-latency.svg, bench-cpu.svg, and
 * bench-dashboard.svg once section 8 has run). Run it after `pnpm bench` or `pnpm bench:dashboard`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCharts } from './src/charts.js';
import { currentFiguresMarkdown, withCurrentFigures } from './src/current-figures.js';
import { benchDir, resultsDir } from './src/paths.js';
import { readBenchResults } from './src/results.js';

const docsDir = join(benchDir, '..', 'docs');
const outDir = join(docsDir, 'img');
const results = readBenchResults(resultsDir);
mkdirSync(outDir, { recursive: true });
for (const chart of benchCharts(results)) {
  writeFileSync(join(outDir, chart.name), chart.svg);
  process.stdout.write(`wrote docs/img/${chart.name}\n`);
}
const page = join(docsDir, 'benchmarks.md');
writeFileSync(page, withCurrentFigures(readFileSync(page, 'utf8'), currentFiguresMarkdown(results)));
process.stdout.write('wrote the current figures at the top of docs/benchmarks.md\n');
