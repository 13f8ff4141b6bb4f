/**
 * `pnpm bench:dashboard`: only the dashboard section (8 of `pnpm bench`): the task page of 2,000- and
 * 10,000-span traces and the tasks page with 200 live tasks, in headless Chromium. Needs the dashboard built
 * (`pnpm --filter @troupe/dashboard build`) and Debian's chromium. Results in `results/dashboard-render.json`.
 */
import { parseArgs } from 'node:util';
import { waitForQuietCpu } from './src/machine.js';
import { resultsDir } from './src/paths.js';
import { formatTable, writeResult } from './src/report.js';
import {
  dashboardTargets,
  formatDashboardRender,
  runDashboardRender,
} from './src/sections/dashboard-render.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'results-dir': { type: 'string', default: resultsDir },
  },
});
const log = (text: string) => process.stdout.write(`${text}\n`);

const quiet = await waitForQuietCpu(15, args.quick ? 0 : 60_000);
if (quiet >= 15) log(`warning: the cores are ${quiet}% busy with other work; the figures will be noisy`);
const result = await runDashboardRender({
  traceSizes: [2_000, 10_000],
  runs: args.quick ? 1 : 3,
  clicks: args.quick ? 5 : 10,
  scrollMs: 3_000,
  liveTasks: 200,
  liveMs: args.quick ? 2_000 : 5_000,
  updatesPerTaskPerSec: 2,
});
writeResult(args['results-dir'], 'dashboard-render', {
  name: 'dashboard-render',
  date: new Date().toISOString(),
  quick: args.quick,
  cpuBusyBeforePct: quiet,
  result,
});
log(formatDashboardRender(result, `8. Dashboard in headless Chromium ${result.browser}`));
const targets = dashboardTargets(result);
log(
  formatTable(
    'Dashboard targets',
    ['target', 'measured', 'ratio', 'result'],
    targets.map((t) => [t.target, t.measured, t.ratio, t.verdict]),
  ),
);
