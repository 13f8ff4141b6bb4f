/**
 * The table docs/benchmarks.md opens with, from the result files: the #16 targets (`writePathTargets`) and
 * runAgent's ratios to the bus floor and the peers. `pnpm bench` prints the same tables from the same files.
 */
import { BenchError, BenchErrorCode } from './errors.js';
import { formatNumber } from './report.js';
import type { BenchResults, PeerRow } from './results.js';
import {
  floorTargetsBudget,
  runAgentFigures,
  writePathTargets,
  type Target,
  type WritePathFigures,
} from './targets.js';

/**
 * The rows of peers.json by what they are. The files name systems, not ids; these prefixes are the names
 * `run.ts` and the peer sections give them.
 */
const SYSTEMS = {
  runAgent: 'Troupe, runAgent',
  bareHost: 'Troupe, bare agent host',
  floor: 'bus floor',
  langgraphMemory: 'LangGraph.js, MemorySaver',
  langgraphSqlite: 'LangGraph.js, SQLite',
  bullmq: 'BullMQ',
} as const;
type SystemKey = keyof typeof SYSTEMS;

const rowOf = (r: BenchResults, key: SystemKey): PeerRow | undefined =>
  [...r.peers.result.troupe, ...r.peers.result.peers].find((p) => p.system.startsWith(SYSTEMS[key]));

const cpuOf = (row: PeerRow) => row.burst.cpuMsPerTask?.['total'];

/** What the #16 targets read, from the result files; undefined without runAgent's or the floor's row. */
export function writePathFiguresOf(r: BenchResults): WritePathFigures | undefined {
  const runAgent = rowOf(r, 'runAgent');
  const floor = rowOf(r, 'floor');
  if (!runAgent || !floor) return undefined;
  const langgraph = rowOf(r, 'langgraphSqlite');
  const waiting = r.throughput?.result.waiting;
  const cost = r.supervisorCost;
  const scaleOutRow = (agentsPerRole: number) =>
    r.scaleOut?.result.rows.find((row) => row.supervisors === 1 && row.agentsPerRole === agentsPerRole);
  const [scaleOne, scaleTwo] = [scaleOutRow(1), scaleOutRow(2)];
  return {
    runAgent: runAgentFigures(runAgent.burst, runAgent.latency),
    floor: {
      tasksPerSec: floor.burst.tasksPerSec,
      cpuMsPerTask: cpuOf(floor) ?? Number.NaN,
      p50: floor.latency.p50,
      p99: floor.latency.p99,
    },
    ...(langgraph ? { langgraphSqlite: { tasksPerSec: langgraph.burst.tasksPerSec } } : {}),
    ...(cost
      ? {
          parked: {
            heapBytesPerTask: cost.result.memory.heapBytesPerTask,
            kvBytesPerTask: cost.result.kv.tasksBytesPerTask + cost.result.kv.wakeupsBytesPerTask,
          },
        }
      : {}),
    ...(waiting
      ? {
          waiting: {
            waitMs: waiting.waitMs,
            one: waiting.one.offline.steadyTasksPerSec,
            two: waiting.two.offline.steadyTasksPerSec,
          },
        }
      : {}),
    ...(r.scaleOut && scaleOne && scaleTwo
      ? {
          scaleOut: {
            nodes: r.scaleOut.result.nodes,
            one: scaleOne.figures.steadyTasksPerSec,
            two: scaleTwo.figures.steadyTasksPerSec,
          },
        }
      : {}),
  };
}

export function currentTargets(r: BenchResults): Target[] {
  const figures = writePathFiguresOf(r);
  return figures ? writePathTargets(figures) : [];
}

/** `floorTargetsBudget` of the result files' run, on the cores of the machine it ran on. */
export function currentBudget(r: BenchResults): string | undefined {
  const figures = writePathFiguresOf(r);
  return figures ? floorTargetsBudget(figures, r.peers.machine.cores) : undefined;
}

export interface PeerRatioRow {
  system: string;
  tasksPerSec: number;
  p50: number;
  p99: number;
  cpuMsPerTask: number | undefined;
  /** runAgent's figure ÷ this system's (tasks/s, p50, p99, CPU per task). */
  runAgentOver: Record<'tasksPerSec' | 'p50' | 'p99' | 'cpuMsPerTask', number | undefined>;
}

/** Every system of the run beside runAgent's ratios to it; the floor first, then the peers, then Troupe's bare host. */
export function peerRatioRows(r: BenchResults): PeerRatioRow[] {
  const runAgent = rowOf(r, 'runAgent');
  if (!runAgent) return [];
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100;
  const order: SystemKey[] = [
    'runAgent',
    'floor',
    'langgraphSqlite',
    'langgraphMemory',
    'bullmq',
    'bareHost',
  ];
  return order.flatMap((key) => {
    const row = rowOf(r, key);
    if (!row) return [];
    // runAgent's own row gives its figures, with no ratios.
    const over = key === 'runAgent' ? undefined : row;
    return [
      {
        system: row.system,
        tasksPerSec: row.burst.tasksPerSec,
        p50: row.latency.p50,
        p99: row.latency.p99,
        cpuMsPerTask: cpuOf(row),
        runAgentOver: {
          tasksPerSec: ratio(runAgent.burst.tasksPerSec, over?.burst.tasksPerSec),
          p50: ratio(runAgent.latency.p50, over?.latency.p50),
          p99: ratio(runAgent.latency.p99, over?.latency.p99),
          cpuMsPerTask: ratio(cpuOf(runAgent), over && cpuOf(over)),
        },
      },
    ];
  });
}

const cell = (text: string) => text.replaceAll('|', '\\|');
const times = (n: number | undefined) => (n === undefined ? '' : `${n}×`);
const markdownTable = (headers: readonly string[], align: string, rows: ReadonlyArray<readonly string[]>) =>
  [`| ${headers.join(' | ')} |`, align, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');

/** The two tables docs/benchmarks.md opens with, and the line that says which run they come from. */
export function currentFiguresMarkdown(r: BenchResults): string {
  const m = r.peers.machine;
  const changed = m.git.changedFiles > 0 ? ` with ${m.git.changedFiles} changed files under packages/` : '';
  const targets = currentTargets(r);
  const budget = currentBudget(r);
  return [
    `Run of ${r.peers.date.slice(0, 10)} at commit ${m.git.commit}${changed}: ${m.cpu}, ${m.cores} cores` +
      `${r.peers.quick ? ' (a --quick run: reduced counts, not comparable)' : ''}. Every ratio is to a figure of ` +
      'the same run.',
    markdownTable(
      [
        'target (#16: runAgent, offline model, one agent process per role, every guarantee on)',
        'measured',
        'ratio',
        'result',
      ],
      '| --- | --- | ---: | --- |',
      targets.map((t) => [t.target, t.measured, times(t.ratio), t.verdict]),
    ),
    ...(budget ? [budget] : []),
    markdownTable(
      [
        'system',
        'tasks/s',
        'p50 ms',
        'p99 ms',
        'CPU ms/task',
        'runAgent ÷: tasks/s',
        'p50',
        'p99',
        'CPU/task',
      ],
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      peerRatioRows(r).map((p) => [
        p.system,
        formatNumber(p.tasksPerSec),
        formatNumber(p.p50),
        formatNumber(p.p99),
        p.cpuMsPerTask === undefined ? '' : formatNumber(p.cpuMsPerTask),
        times(p.runAgentOver.tasksPerSec),
        times(p.runAgentOver.p50),
        times(p.runAgentOver.p99),
        times(p.runAgentOver.cpuMsPerTask),
      ]),
    ),
    'tasks/s: 500 tasks submitted at once (median of 3 runs); p50 and p99: one 4-step task at a time; CPU: ' +
      'every process of the pipeline, from /proc, under load. The ratios to BullMQ and LangGraph.js with ' +
      'MemorySaver are informational; the targets are the table above. Every system ran after the same ' +
      "warm-up; Troupe's processes record every span (the span feed on, as the CLI runs them). Durable " +
      "writes count a task's state (submission, records, wake-ups, assignments, results); the span feed's " +
      'messages are listed beside them in section 3 of the report.',
  ].join('\n\n');
}

const START =
  '<!-- current-figures: generated by `pnpm --filter @troupe/bench bench:charts` from bench/results/*.json -->';
const END = '<!-- /current-figures -->';

/** `doc` with the block between the markers replaced by `block`; fails when the markers are missing. */
export function withCurrentFigures(doc: string, block: string): string {
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) {
    throw new BenchError(BenchErrorCode.InvalidOptions, `the page lacks the markers ${START} … ${END}`);
  }
  return `${doc.slice(0, start + START.length)}\n\n${block}\n\n${doc.slice(end)}`;
}
