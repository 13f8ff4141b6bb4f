import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { PerformanceObserver } from 'node:perf_hooks';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { benchSubjects } from './bench-subjects.js';
import { BenchError, BenchErrorCode } from './errors.js';
import { recordTimeline } from './timeline-recorder.js';

/**
 * A child process answers the orchestrator on `bench.probe.<name>` (core NATS request/reply):
 * its memory after a full garbage collection, its own counters, the timeline of messages it handled alone
 * (see `recordTimeline`), and the V8 CPU profiler — the same
 * sampling profiler and `.cpuprofile` format as `node --cpu-prof`, started and stopped through the
 * inspector so that a profile covers exactly one measured run rather than the process's start-up.
 * (`--cpu-prof` would profile the whole process, start-up included; Node 20 also refuses it in NODE_OPTIONS.)
 */
export const ProbeCommandSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('memory') }),
  z.object({ cmd: z.literal('counters') }),
  z.object({ cmd: z.literal('gc'), reset: z.boolean().default(false) }),
  z.object({
    cmd: z.literal('timeline'),
    reset: z.boolean().default(false),
    /** Listen to the timeline marks after this read (true) or stop (false); unchanged when left out. */
    listen: z.boolean().optional(),
  }),
  z.object({ cmd: z.literal('profile-start'), intervalUs: z.number().int().positive().default(500) }),
  z.object({ cmd: z.literal('profile-stop'), path: z.string().min(1) }),
]);
export type ProbeCommand = z.input<typeof ProbeCommandSchema>;

/** Garbage-collection pauses since the last reset, from `perf_hooks`. */
export const GcStatsSchema = z.object({
  count: z.number(),
  totalMs: z.number(),
  maxMs: z.number(),
  /** Pauses of 10 ms or more. */
  long: z.number(),
  /** Pauses of 10 ms or more by kind (minor = scavenge, major = mark-compact, incremental, weakcb). */
  longByKind: z.record(z.string(), z.number()).default({}),
});
export type GcStats = z.infer<typeof GcStatsSchema>;

export const MemorySchema = z.object({
  rss: z.number(),
  heapUsed: z.number(),
  heapTotal: z.number(),
  external: z.number(),
  arrayBuffers: z.number(),
});
export type Memory = z.infer<typeof MemorySchema>;

const ReplySchema = z.object({ ok: z.boolean(), error: z.string().optional(), value: z.unknown() });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface ProfileNodeLike {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

/** `const handle = async (…) =>` → `handle`; `  ack: () =>` → `ack`; `function run(` → `run`. */
function nameFromSource(line: string | undefined): string | undefined {
  if (!line) return undefined;
  const m =
    /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]*)?=/.exec(line) ??
    /function\s*\*?\s*([A-Za-z_$][\w$]*)/.exec(line) ??
    /^\s*(?:async\s+|get\s+|set\s+)?([A-Za-z_$][\w$]*)\s*[:(]/.exec(line) ??
    /\.(then|catch|finally|map|forEach|filter)\(/.exec(line);
  return m?.[1];
}

/** A script's source map: inline (tsx) or a `.js.map` file beside built JavaScript, its sources made absolute URLs. */
function readSourceMap(url: string, sourceMapURL: string): SourceMap | undefined {
  try {
    if (sourceMapURL.startsWith('data:')) {
      return new SourceMap(
        JSON.parse(Buffer.from(sourceMapURL.slice(sourceMapURL.indexOf(',') + 1), 'base64').toString()),
      );
    }
    if (!url.startsWith('file:')) return undefined;
    const mapUrl = new URL(sourceMapURL, url);
    const payload = JSON.parse(readFileSync(fileURLToPath(mapUrl), 'utf8')) as {
      sources: string[];
      sourceRoot?: string;
    };
    const root = new URL(payload.sourceRoot ?? '', mapUrl);
    return new SourceMap({
      ...payload,
      sourceRoot: '',
      sources: payload.sources.map((source) => new URL(source, root).href),
    } as ConstructorParameters<typeof SourceMap>[0]);
  } catch {
    // A map that is missing or does not parse leaves the frames as they are.
    return undefined;
  }
}

/**
 * V8 runs generated code (tsx's, or the build's in dist/): point the profile's frames at their TypeScript
 * line (through the source maps the debugger reports) and name the anonymous ones after the source line that
 * defines them.
 */
async function mapToSources(session: Session, nodes: readonly ProfileNodeLike[]): Promise<void> {
  const maps = new Map<string, SourceMap>();
  const sources = new Map<string, string[] | undefined>();
  const sourceLines = (source: string) => {
    const path = source.startsWith('file:') ? fileURLToPath(source) : source;
    if (!sources.has(path))
      sources.set(path, existsSync(path) ? readFileSync(path, 'utf8').split('\n') : undefined);
    return sources.get(path);
  };
  const onScript = (message: { params: { url: string; sourceMapURL?: string } }) => {
    const { url, sourceMapURL } = message.params;
    if (!sourceMapURL || url.includes('/node_modules/')) return;
    const map = readSourceMap(url, sourceMapURL);
    if (map) maps.set(url, map);
  };
  session.on('Debugger.scriptParsed', onScript);
  await session.post('Debugger.enable');
  await session.post('Debugger.disable');
  session.off('Debugger.scriptParsed', onScript);
  for (const node of nodes) {
    const frame = node.callFrame;
    const map = maps.get(frame.url);
    if (!map) continue;
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) continue;
    if (!frame.functionName) {
      frame.functionName = nameFromSource(sourceLines(entry.originalSource)?.[entry.originalLine]) ?? '';
    }
    frame.url = entry.originalSource.startsWith('/')
      ? `file://${entry.originalSource}`
      : entry.originalSource;
    frame.lineNumber = entry.originalLine;
    frame.columnNumber = entry.originalColumn ?? 0;
  }
}

/**
 * Serves the probe in a child process; `counters` reports what `counters()` returns. Resolves once the
 * server knows the subscription, so a `ready` line printed afterwards means the probe answers.
 */
export async function serveProbe(
  nc: NatsConnection,
  name: string,
  counters: () => Record<string, number> = () => ({}),
): Promise<void> {
  const session = new Session();
  session.connect();
  const timeline = recordTimeline();
  let profiling = false;
  let gc: GcStats = { count: 0, totalMs: 0, maxMs: 0, long: 0, longByKind: {} };
  const KINDS: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      if (entry.duration >= 10) {
        gc.long++;
        const detail = (entry as unknown as { detail?: { kind?: number } }).detail;
        const kind = KINDS[detail?.kind ?? 0] ?? 'other';
        gc.longByKind[kind] = (gc.longByKind[kind] ?? 0) + 1;
      }
    }
  }).observe({ entryTypes: ['gc'] });
  const run = async (command: z.output<typeof ProbeCommandSchema>): Promise<unknown> => {
    switch (command.cmd) {
      case 'memory': {
        // Two collections: the first may only finalise what the second then frees.
        await session.post('HeapProfiler.collectGarbage');
        await session.post('HeapProfiler.collectGarbage');
        return MemorySchema.parse(process.memoryUsage());
      }
      case 'counters':
        return counters();
      case 'gc': {
        const stats = {
          ...gc,
          totalMs: Math.round(gc.totalMs * 10) / 10,
          maxMs: Math.round(gc.maxMs * 10) / 10,
        };
        if (command.reset) gc = { count: 0, totalMs: 0, maxMs: 0, long: 0, longByKind: {} };
        return stats;
      }
      case 'timeline': {
        const read = timeline.read(command.reset);
        if (command.listen !== undefined) timeline.listen(command.listen);
        return read;
      }
      case 'profile-start': {
        if (profiling) throw new Error('a profile is already running');
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: command.intervalUs });
        await session.post('Profiler.start');
        profiling = true;
        return { startedAtUs: Number(process.hrtime.bigint() / 1000n) };
      }
      case 'profile-stop': {
        if (!profiling) throw new Error('no profile is running');
        const { profile } = await session.post('Profiler.stop');
        profiling = false;
        await mapToSources(session, profile.nodes);
        mkdirSync(dirname(command.path), { recursive: true });
        writeFileSync(command.path, JSON.stringify(profile));
        return { path: command.path, samples: profile.samples?.length ?? 0 };
      }
    }
  };
  nc.subscribe(benchSubjects.probe(name), {
    callback: (_err, msg) => {
      void (async () => {
        let reply: z.infer<typeof ReplySchema>;
        try {
          const command = ProbeCommandSchema.parse(JSON.parse(decoder.decode(msg.data)));
          reply = { ok: true, value: await run(command) };
        } catch (err) {
          reply = { ok: false, error: (err as Error).message, value: null };
        }
        msg.respond(encoder.encode(JSON.stringify(reply)));
      })();
    },
  });
  await nc.flush();
}

/** Asks a child process's probe; fails with the child's error message. */
export async function askProbe<T>(
  nc: NatsConnection,
  name: string,
  command: ProbeCommand,
  schema: z.ZodType<T>,
  timeoutMs = 30_000,
): Promise<T> {
  let raw: Uint8Array;
  try {
    raw = (
      await nc.request(benchSubjects.probe(name), encoder.encode(JSON.stringify(command)), {
        timeout: timeoutMs,
      })
    ).data;
  } catch (err) {
    throw new BenchError(BenchErrorCode.ProcessFailed, `probe ${name} did not answer "${command.cmd}"`, {
      cause: err,
    });
  }
  const reply = ReplySchema.parse(JSON.parse(decoder.decode(raw)));
  if (!reply.ok) {
    throw new BenchError(
      BenchErrorCode.ProcessFailed,
      `probe ${name} failed "${command.cmd}": ${reply.error ?? ''}`,
    );
  }
  return schema.parse(reply.value);
}
