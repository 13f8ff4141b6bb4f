import { randomBytes } from 'node:crypto';
import {
  GenAiAttr,
  GenAiOperation,
  SPAN_RECORD_VERSION,
  TroupeAttr,
  type SpanRecord,
} from '@troupe/telemetry';

/** A process that records spans: its service, host and pid, as the span feed stamps them. */
interface Origin {
  service: string;
  host: string;
  pid: number;
}

const API: Origin = { service: 'troupe-api', host: 'node-a', pid: 1_101 };
const SUPERVISORS: Origin[] = [
  { service: 'troupe-supervisor', host: 'node-a', pid: 1_201 },
  { service: 'troupe-supervisor', host: 'node-b', pid: 2_201 },
];
const ROLES = ['planner', 'researcher', 'analyst', 'drafter', 'reviewer'] as const;
const AGENTS: Origin[] = ROLES.map((role, i) => ({
  service: 'troupe-agent',
  host: `node-${'bcd'[i % 3]!}`,
  pid: 3_000 + i,
}));

/** Spans per step: the supervisor's dispatch, the agent's step, two model calls and two tool calls. */
const SPANS_PER_STEP = 6;

export interface SyntheticTrace {
  traceId: string;
  spans: SpanRecord[];
  /** Epoch ms of the first span's start and the last span's end. */
  start: number;
  end: number;
}

const id = (bytes: number) => randomBytes(bytes).toString('hex');
const ms = (n: number) => Math.round(n * 1000) / 1000;

/**
 * A report task's trace of exactly `count` spans (at least 2) across processes, as the span feed would store
 * it: the API's request span, the supervisor's workflow span, then step after step, four at a time (a
 * supervisor's dispatch span; beneath it an agent's step span holding model calls with GenAI attributes and
 * tool calls, one in fifty failing with an error event), spread over `durationMs` from `start`.
 */
export function syntheticTrace(count: number, start: number, durationMs = 120_000): SyntheticTrace {
  const traceId = id(16);
  const spans: SpanRecord[] = [];
  const add = (
    origin: Origin,
    fields: Pick<SpanRecord, 'name' | 'kind' | 'start' | 'durationMs'> &
      Partial<Pick<SpanRecord, 'parentSpanId' | 'attrs' | 'status' | 'statusMessage' | 'events'>>,
  ): string => {
    const spanId = id(8);
    spans.push({
      v: SPAN_RECORD_VERSION,
      traceId,
      spanId,
      service: origin.service,
      host: origin.host,
      pid: origin.pid,
      status: 'ok',
      attrs: {},
      ...fields,
      start: ms(fields.start),
      durationMs: ms(fields.durationMs),
    });
    return spanId;
  };
  const taskId = `task_${id(8)}`;
  const request = add(API, {
    name: 'POST /v1/tasks',
    kind: 'server',
    start,
    durationMs: durationMs,
    attrs: { [TroupeAttr.TaskId]: taskId },
  });
  const workflow = add(SUPERVISORS[0]!, {
    name: 'invoke_workflow report',
    kind: 'internal',
    parentSpanId: request,
    start: start + 2,
    durationMs: durationMs - 4,
    attrs: {
      [GenAiAttr.OperationName]: GenAiOperation.InvokeWorkflow,
      [GenAiAttr.WorkflowName]: 'report',
      [TroupeAttr.TaskId]: taskId,
    },
  });
  const steps = Math.max(1, Math.ceil((count - 2) / SPANS_PER_STEP));
  // Four steps run at once: each lasts four slots of the timeline.
  const slot = (durationMs - 10) / (steps + 3);
  for (let s = 0; spans.length < count; s++) {
    const role = ROLES[s % ROLES.length]!;
    const at = start + 5 + s * slot;
    const length = slot * 4 - 1;
    const stepId = `${role}-${s}`;
    const dispatch = add(SUPERVISORS[s % 2]!, {
      name: `dispatch ${stepId}`,
      kind: 'producer',
      parentSpanId: workflow,
      start: at,
      durationMs: 0.4,
      attrs: { [TroupeAttr.TaskId]: taskId, [TroupeAttr.StepId]: stepId, [TroupeAttr.StepAttempt]: 1 },
    });
    if (spans.length >= count) break;
    const step = add(AGENTS[s % AGENTS.length]!, {
      name: `invoke_agent ${role}`,
      kind: 'consumer',
      parentSpanId: dispatch,
      start: at + 1,
      durationMs: length - 2,
      attrs: {
        [GenAiAttr.OperationName]: GenAiOperation.InvokeAgent,
        [GenAiAttr.AgentName]: role,
        [TroupeAttr.AgentRole]: role,
        [TroupeAttr.TaskId]: taskId,
        [TroupeAttr.StepId]: stepId,
      },
    });
    for (let c = 0; c < 2 && spans.length < count; c++) {
      const callAt = at + 2 + (c * (length - 4)) / 2;
      const third = (length - 4) / 6;
      add(AGENTS[s % AGENTS.length]!, {
        name: 'chat offline:default',
        kind: 'client',
        parentSpanId: step,
        start: callAt,
        durationMs: third,
        attrs: {
          [GenAiAttr.OperationName]: GenAiOperation.Chat,
          [GenAiAttr.ProviderName]: 'offline',
          [GenAiAttr.RequestModel]: 'offline:default',
          [GenAiAttr.UsageInputTokens]: 800 + ((s * 37 + c * 11) % 900),
          [GenAiAttr.UsageOutputTokens]: 120 + ((s * 13 + c) % 400),
          [TroupeAttr.CostUsd]: 0.0004 + (s % 7) * 0.0001,
        },
      });
      if (spans.length >= count) break;
      const failed = (s * 2 + c) % 50 === 49;
      add(AGENTS[s % AGENTS.length]!, {
        name: 'execute_tool search_corpus',
        kind: 'internal',
        parentSpanId: step,
        start: callAt + third + 1,
        durationMs: third / 2,
        attrs: {
          [GenAiAttr.OperationName]: GenAiOperation.ExecuteTool,
          [GenAiAttr.ToolName]: 'search_corpus',
          [GenAiAttr.ToolCallId]: `call_${s}_${c}`,
          ...(failed ? { 'error.type': 'TOOL_TIMEOUT' } : {}),
        },
        ...(failed
          ? {
              status: 'error' as const,
              statusMessage: 'search_corpus timed out after 5000 ms',
              events: [{ name: 'exception', time: ms(callAt + third + 1 + third / 2), attrs: {} }],
            }
          : {}),
      });
    }
  }
  return { traceId, spans, start, end: start + durationMs };
}
