import { metrics, type Attributes, type MeterProvider, type ObservableResult } from '@opentelemetry/api';
import {
  ErrorAttr,
  GenAiAttr,
  GenAiOperation,
  INSTRUMENTATION_SCOPE,
  INSTRUMENTATION_VERSION,
  MetricName,
  TroupeAttr,
} from './attributes.js';

/** Bucket boundaries the GenAI semantic conventions advise. */
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
const DURATION_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];
const STEP_BUCKETS = [...DURATION_BUCKETS, 163.84, 327.68, 655.36];

export interface ModelCallAttributes {
  provider: string;
  model: string;
  /** The model that answered, when the provider reports it. */
  responseModel?: string;
  /** Defaults to `chat`. */
  operation?: GenAiOperation;
  errorType?: string;
}

/** Reports the depth of a work queue; call it once per queue from the registered callback. */
export type WorkQueueDepthReporter = (role: string, depth: number) => void;

export interface TroupeMetrics {
  taskStarted(attributes: { workflow: string }): void;
  taskCompleted(attributes: { workflow: string }): void;
  taskFailed(attributes: { workflow: string; errorType?: string }): void;
  /** Seconds one step attempt took (`withAgentSpan` records it). */
  stepDuration(
    seconds: number,
    attributes: { role: string; outcome: 'ok' | 'error'; errorType?: string },
  ): void;
  /** `gen_ai.client.token.usage`, one data point per token type (`withChatSpan` records it). */
  tokenUsage(usage: { inputTokens?: number; outputTokens?: number }, attributes: ModelCallAttributes): void;
  /** `gen_ai.client.operation.duration` in seconds (`withChatSpan` records it). */
  operationDuration(seconds: number, attributes: ModelCallAttributes): void;
  /** Adds to `troupe.cost.usd` (`withChatSpan` records it). */
  cost(usd: number, attributes: ModelCallAttributes): void;
  /**
   * Feeds the `troupe.workqueue.depth` gauge: `callback` runs at every collection (Prometheus scrape,
   * OTLP export interval). Returns a function that unregisters it.
   */
  observeWorkQueueDepth(callback: (report: WorkQueueDepthReporter) => void | Promise<void>): () => void;
}

const depthCallbacks = new Set<(report: WorkQueueDepthReporter) => void | Promise<void>>();

let cached: { provider: MeterProvider; metrics: TroupeMetrics } | undefined;

function modelAttributes(a: ModelCallAttributes): Attributes {
  const attrs: Attributes = {
    [GenAiAttr.OperationName]: a.operation ?? GenAiOperation.Chat,
    [GenAiAttr.ProviderName]: a.provider,
    [GenAiAttr.RequestModel]: a.model,
  };
  if (a.responseModel !== undefined) attrs[GenAiAttr.ResponseModel] = a.responseModel;
  if (a.errorType !== undefined) attrs[ErrorAttr.Type] = a.errorType;
  return attrs;
}

function build(provider: MeterProvider): TroupeMetrics {
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const tokenUsage = meter.createHistogram(MetricName.TokenUsage, {
    description: 'Number of input and output tokens used',
    unit: '{token}',
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
  const operationDuration = meter.createHistogram(MetricName.OperationDuration, {
    description: 'GenAI operation duration',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const started = meter.createCounter(MetricName.TasksStarted, {
    description: 'Tasks started',
    unit: '{task}',
  });
  const completed = meter.createCounter(MetricName.TasksCompleted, {
    description: 'Tasks completed',
    unit: '{task}',
  });
  const failed = meter.createCounter(MetricName.TasksFailed, { description: 'Tasks failed', unit: '{task}' });
  const stepDuration = meter.createHistogram(MetricName.StepDuration, {
    description: 'Duration of one step attempt by an agent',
    unit: 's',
    advice: { explicitBucketBoundaries: STEP_BUCKETS },
  });
  const cost = meter.createCounter(MetricName.CostUsd, {
    description: 'Model spend in US dollars',
    unit: '{USD}',
  });
  const depth = meter.createObservableGauge(MetricName.WorkQueueDepth, {
    description: 'Step assignments waiting in a role work queue',
    unit: '{message}',
  });
  depth.addCallback(async (result: ObservableResult) => {
    const report: WorkQueueDepthReporter = (role, value) =>
      result.observe(value, { [TroupeAttr.AgentRole]: role });
    // One failing callback must not hide the others' queues.
    await Promise.allSettled([...depthCallbacks].map(async (cb) => cb(report)));
  });

  return {
    taskStarted: (a) => started.add(1, { [GenAiAttr.WorkflowName]: a.workflow }),
    taskCompleted: (a) => completed.add(1, { [GenAiAttr.WorkflowName]: a.workflow }),
    taskFailed: (a) =>
      failed.add(1, {
        [GenAiAttr.WorkflowName]: a.workflow,
        ...(a.errorType !== undefined ? { [ErrorAttr.Type]: a.errorType } : {}),
      }),
    stepDuration: (seconds, a) =>
      stepDuration.record(seconds, {
        [TroupeAttr.AgentRole]: a.role,
        [TroupeAttr.Outcome]: a.outcome,
        ...(a.errorType !== undefined ? { [ErrorAttr.Type]: a.errorType } : {}),
      }),
    tokenUsage(usage, a) {
      const attrs = modelAttributes(a);
      if (usage.inputTokens !== undefined) {
        tokenUsage.record(usage.inputTokens, { ...attrs, [GenAiAttr.TokenType]: 'input' });
      }
      if (usage.outputTokens !== undefined) {
        tokenUsage.record(usage.outputTokens, { ...attrs, [GenAiAttr.TokenType]: 'output' });
      }
    },
    operationDuration: (seconds, a) => operationDuration.record(seconds, modelAttributes(a)),
    cost: (usd, a) => {
      if (usd > 0) cost.add(usd, modelAttributes({ ...a, errorType: undefined }));
    },
    observeWorkQueueDepth(callback) {
      depthCallbacks.add(callback);
      return () => {
        depthCallbacks.delete(callback);
      };
    },
  };
}

/**
 * Troupe's instruments on the global meter provider; no-ops until `initTelemetry` (or another SDK)
 * installs one. A cached lookup: call it where you record rather than keeping the result, since the
 * instruments are rebuilt when the global provider changes. `observeWorkQueueDepth` callbacks carry over.
 */
export function troupeMetrics(): TroupeMetrics {
  const provider = metrics.getMeterProvider();
  if (cached?.provider !== provider) cached = { provider, metrics: build(provider) };
  return cached.metrics;
}
