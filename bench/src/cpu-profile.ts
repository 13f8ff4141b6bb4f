/**
 * Reads a V8 `.cpuprofile` (what `node --cpu-prof` and the inspector's Profiler write) and summarises
 * where the time went: self time per function and per module, and inclusive time of the Troupe
 * functions on the stack.
 *
 *   node --conditions=@troupe/source --import tsx bench/src/cpu-profile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { round } from './stats.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  where: string;
  ms: number;
  /** Share of the busy (non-idle) samples. */
  pct: number;
}

export interface ProfileSummary {
  file: string;
  durationMs: number;
  busyMs: number;
  /** Busy share of the profiled wall time, i.e. how much of one core the process used. */
  busyPct: number;
  /** Time spent collecting garbage, as a share of busy time. */
  gcPct: number;
  topSelf: ProfileRow[];
  byModule: ProfileRow[];
  /** Functions of Troupe's own packages by inclusive time (self time plus everything they called). */
  troupeInclusive: ProfileRow[];
}

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** `packages/bus/src/work-queue.ts`, `node_modules/@nats-io/nats-core`, `node:internal/...`. */
export function moduleOf(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '?');
    return `node_modules/${pkg}`;
  }
  const inRepo = /\/((?:packages|apps|bench)\/.*)$/.exec(path);
  if (inRepo?.[1]) return inRepo[1];
  if (path.startsWith('node:')) return path.split('/').slice(0, 2).join('/');
  return path;
}

const isTroupeSource = (url: string) =>
  /\/packages\/[^/]+\/src\//.test(url) && !url.includes('/node_modules/');

function frameName(frame: CallFrame): string {
  return frame.functionName || '(anonymous)';
}

function frameWhere(frame: CallFrame): string {
  const mod = moduleOf(frame.url);
  return frame.url ? `${mod}:${frame.lineNumber + 1}` : mod;
}

/**
 * Summarises the samples taken between `fromUs` and `toUs` (profile clock, microseconds; default: all).
 */
export function summariseCpuProfile(
  file: string,
  options: { top?: number; fromUs?: number; toUs?: number } = {},
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const top = options.top ?? 15;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }

  // Each sample is charged the time until the next one, at most ten sampling intervals: a long gap
  // (the profiler thread starved, or the process asleep) is not one function's time.
  const sortedDeltas = [...profile.timeDeltas].sort((a, b) => a - b);
  const cap = 10 * (sortedDeltas[Math.floor(sortedDeltas.length / 2)] ?? 1000);
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let durationUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    const next = Math.min(cap, profile.timeDeltas[i + 1] ?? 0);
    if (options.fromUs !== undefined && t < options.fromUs) continue;
    if (options.toUs !== undefined && t > options.toUs) break;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + next);
    durationUs += next;
  }

  let idleUs = 0;
  let gcUs = 0;
  const fn = new Map<string, { name: string; where: string; us: number }>();
  const mod = new Map<string, number>();
  const inclusive = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    if (frame.functionName === '(garbage collector)') gcUs += us;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}|${frame.columnNumber}`;
    const entry = fn.get(key) ?? { name: frameName(frame), where: frameWhere(frame), us: 0 };
    entry.us += us;
    fn.set(key, entry);
    const m = SPECIAL.has(frame.functionName) ? frame.functionName : moduleOf(frame.url);
    mod.set(m, (mod.get(m) ?? 0) + us);
    // Inclusive time: charge every distinct Troupe frame on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      if (!isTroupeSource(f.url)) continue;
      const k = `${f.functionName}|${f.url}|${f.lineNumber}|${f.columnNumber}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const e = inclusive.get(k) ?? { name: frameName(f), where: frameWhere(f), us: 0 };
      e.us += us;
      inclusive.set(k, e);
    }
  }
  const busyUs = Math.max(1, durationUs - idleUs);
  const rows = (entries: Iterable<{ name: string; where: string; us: number }>) =>
    [...entries]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({
        name: e.name,
        where: e.where,
        ms: round(e.us / 1000, 1),
        pct: round((e.us / busyUs) * 100, 1),
      }));
  return {
    file,
    durationMs: round(durationUs / 1000, 1),
    busyMs: round(busyUs / 1000, 1),
    busyPct: round((busyUs / Math.max(1, durationUs)) * 100, 1),
    gcPct: round((gcUs / busyUs) * 100, 1),
    topSelf: rows(fn.values()),
    byModule: rows([...mod].map(([name, us]) => ({ name, where: '', us }))),
    troupeInclusive: rows(inclusive.values()),
  };
}

/** The summary as plain text, for the console and docs/benchmarks.md. */
export function formatProfileSummary(title: string, s: ProfileSummary): string {
  const lines = [
    `${title}: ${s.durationMs} ms profiled, ${s.busyMs} ms busy (${s.busyPct}% of one core), GC ${s.gcPct}% of busy`,
    '  top self time:',
    ...s.topSelf.map((r) => `    ${String(r.pct).padStart(5)}%  ${r.name}  (${r.where})`),
    '  self time by module:',
    ...s.byModule.map((r) => `    ${String(r.pct).padStart(5)}%  ${r.name}`),
    '  Troupe functions, inclusive:',
    ...s.troupeInclusive.map((r) => `    ${String(r.pct).padStart(5)}%  ${r.name}  (${r.where})`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: cpu-profile.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  console.log(formatProfileSummary(file, summariseCpuProfile(file, top ? { top: Number(top) } : {})));
}
