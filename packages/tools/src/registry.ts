import { systemClock, type Clock } from '@troupe/bus';
import { z } from 'zod';
import { ToolError, ToolsErrorCode, isTransientError, outcomeCodeOf } from './errors.js';
import { formatIssues } from './format-issues.js';
import { parseOptions } from './options.js';
import { ToolErrorCode, type Tool, type ToolCallOutcome, type ToolSpec } from './tool.js';

export interface ToolCallOptions {
  /** Cancels the call; the outcome is then `ABORTED`. */
  signal?: AbortSignal;
  /** Overrides the tool's own `timeoutMs` for this call; covers retries too. */
  timeoutMs?: number;
  taskId?: string;
}

export interface ToolCallRequest {
  name: string;
  /** The arguments as the model sent them: an object, or a JSON string of one. */
  args: unknown;
}

export interface CallManyOptions extends ToolCallOptions {
  /** How many calls run at once. Default: all of them. */
  concurrency?: number;
}

export interface ToolRegistryOptions {
  /** Reads time for timeouts, retry backoff and durations. Default `systemClock`. */
  clock?: Clock;
  /** Attempts per call when a tool fails with a transient error (1 = no retry). Default 3, at most 5. */
  maxAttempts?: number;
  /** Wait before the first retry, doubled for each further one. Default 200 ms. */
  retryDelayMs?: number;
}

export interface ToolRegistry {
  /** Adds a tool; a second tool with the same name is an error. */
  register(tool: Tool): void;
  get(name: string): Tool | undefined;
  list(): Tool[];
  /** What to hand a model provider. */
  specs(): ToolSpec[];
  /**
   * Validates the arguments and runs the tool. Never throws: unknown tools, invalid arguments, timeouts,
   * aborts and failures come back as `{ ok: false, error }` for the model to read.
   */
  call(name: string, rawArgs: unknown, options?: ToolCallOptions): Promise<ToolCallOutcome>;
  /** Runs independent calls in parallel; outcomes come back in the order of `calls`. */
  callMany(calls: readonly ToolCallRequest[], options?: CallManyOptions): Promise<ToolCallOutcome[]>;
}

const registryOptionsSchema = z.object({
  clock: z
    .custom<Clock>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Clock).setTimeout === 'function',
      'must be a Clock',
    )
    .optional(),
  maxAttempts: z.number().int().min(1).max(5).optional(),
  retryDelayMs: z.number().int().min(0).optional(),
});

export function createToolRegistry(tools: readonly Tool[] = [], options?: ToolRegistryOptions): ToolRegistry {
  const opts = parseOptions(registryOptionsSchema, options, 'createToolRegistry');
  const clock = opts.clock ?? systemClock;
  const maxAttempts = opts.maxAttempts ?? 3;
  const retryDelayMs = opts.retryDelayMs ?? 200;
  const byName = new Map<string, Tool>();

  const register = (tool: Tool): void => {
    if (byName.has(tool.name)) {
      throw new ToolError(
        ToolsErrorCode.InvalidOptions,
        `createToolRegistry: a tool named "${tool.name}" is already registered`,
      );
    }
    byName.set(tool.name, tool);
  };
  for (const tool of tools) register(tool);

  const call = async (
    name: string,
    rawArgs: unknown,
    callOptions: ToolCallOptions = {},
  ): Promise<ToolCallOutcome> => {
    const started = clock.now();
    const fail = (code: ToolErrorCode, message: string): ToolCallOutcome => ({
      ok: false,
      name,
      error: { code, message },
      durationMs: clock.now() - started,
    });

    const tool = byName.get(name);
    if (!tool) {
      const known = [...byName.keys()].join(', ') || '(none)';
      return fail(ToolErrorCode.UnknownTool, `Unknown tool "${name}". Available tools: ${known}.`);
    }
    const external = callOptions.signal;
    if (external?.aborted)
      return fail(ToolErrorCode.Aborted, `Call to tool "${name}" was aborted before it started.`);

    const args = decodeArgs(rawArgs);
    if (!args.ok)
      return fail(ToolErrorCode.InvalidArguments, `Invalid arguments for tool "${name}": ${args.message}`);
    let input: unknown;
    try {
      const parsed = await tool.input.safeParseAsync(args.value);
      if (!parsed.success) {
        return fail(
          ToolErrorCode.InvalidArguments,
          `Invalid arguments for tool "${name}":\n${formatIssues(parsed.error.issues)}\nFix these fields and call the tool again.`,
        );
      }
      input = parsed.data;
    } catch (err) {
      return fail(ToolErrorCode.InvalidArguments, `Invalid arguments for tool "${name}": ${messageOf(err)}`);
    }

    const timeoutMs = callOptions.timeoutMs ?? tool.timeoutMs;
    const controller = new AbortController();
    const onExternalAbort = () => controller.abort(new CallInterruption('aborted', external?.reason));
    external?.addEventListener('abort', onExternalAbort, { once: true });
    const timer = clock.setTimeout(() => controller.abort(new CallInterruption('timeout')), timeoutMs);
    const ctx = {
      signal: controller.signal,
      ...(callOptions.taskId === undefined ? {} : { taskId: callOptions.taskId }),
    };

    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const value = await untilAborted(
            Promise.resolve().then(() => tool.run(input, ctx)),
            controller.signal,
          );
          return { ok: true, name, value, durationMs: clock.now() - started };
        } catch (err) {
          if (controller.signal.aborted) return interrupted(controller.signal.reason);
          if (attempt < maxAttempts && isTransientError(err)) {
            await wait(clock, retryDelayMs * 2 ** (attempt - 1), controller.signal);
            if (controller.signal.aborted) return interrupted(controller.signal.reason);
            continue;
          }
          const suffix = attempt > 1 ? ` (failed ${attempt} attempts)` : '';
          return fail(outcomeCodeOf(err), `${messageOf(err)}${suffix}`);
        }
      }
    } finally {
      clock.clearTimeout(timer);
      external?.removeEventListener('abort', onExternalAbort);
    }

    function interrupted(reason: unknown): ToolCallOutcome {
      if (reason instanceof CallInterruption && reason.kind === 'timeout') {
        return fail(ToolErrorCode.Timeout, `Tool "${name}" timed out after ${timeoutMs} ms.`);
      }
      const why =
        reason instanceof CallInterruption && reason.reason instanceof Error
          ? `: ${reason.reason.message}`
          : '';
      return fail(ToolErrorCode.Aborted, `Call to tool "${name}" was aborted${why}.`);
    }
  };

  const callMany = async (
    calls: readonly ToolCallRequest[],
    options: CallManyOptions = {},
  ): Promise<ToolCallOutcome[]> => {
    const { concurrency, ...callOptions } = options;
    const limit = Math.max(1, Math.min(concurrency ?? calls.length, calls.length));
    const outcomes: ToolCallOutcome[] = new Array<ToolCallOutcome>(calls.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < calls.length; i = next++) {
        const request = calls[i] as ToolCallRequest;
        outcomes[i] = await call(request.name, request.args, callOptions);
      }
    };
    await Promise.all(Array.from({ length: limit }, worker));
    return outcomes;
  };

  return {
    register,
    get: (name) => byName.get(name),
    list: () => [...byName.values()],
    specs: () =>
      [...byName.values()].map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: tool.parameters,
      })),
    call,
    callMany,
  };
}

/** Why a call's own signal fired: its deadline passed, or the caller aborted it. */
class CallInterruption extends Error {
  constructor(
    readonly kind: 'timeout' | 'aborted',
    readonly reason?: unknown,
  ) {
    super(kind);
    this.name = 'CallInterruption';
  }
}

function decodeArgs(raw: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  if (raw === undefined || raw === null) return { ok: true, value: {} };
  if (typeof raw !== 'string') return { ok: true, value: raw };
  if (raw.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch (err) {
    return {
      ok: false,
      message: `the arguments are not valid JSON (${messageOf(err)}); send a JSON object.`,
    };
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
}

/** Settles with `work`, or rejects as soon as `signal` fires, for tools that ignore their signal. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

function wait(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(handle);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
