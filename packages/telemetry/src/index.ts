export { initTelemetry } from './init-telemetry.js';
export type { Telemetry, TelemetryOptions } from './init-telemetry.js';
export { captureContentEnabled } from './env-config.js';
export { createBusTraceHooks } from './bus-trace-hooks.js';
export { withWorkflowSpan, withAgentSpan, withChatSpan, withToolSpan, errorTypeOf } from './span-helpers.js';
export type {
  WorkflowSpanOptions,
  AgentSpanOptions,
  ChatSpanOptions,
  ChatSpan,
  ChatResponse,
  ToolSpanOptions,
} from './span-helpers.js';
export { troupeMetrics } from './metrics.js';
export type { TroupeMetrics, ModelCallAttributes, WorkQueueDepthReporter } from './metrics.js';
export { renderPrometheusMetrics, PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
export { createLogger } from './logger.js';
export type { Logger, LoggerOptions } from './logger.js';
export { scrubSecrets } from './scrub-secrets.js';
export { createSpanFeedProcessor } from './span-feed.js';
export type { SpanFeedOptions, SpanFeedPublisher, SpanFeedProcessor, SpanFeedStats } from './span-feed.js';
export { SpanRecordSchema, SpanBatchSchema, SPAN_RECORD_VERSION, decodeSpanBatch } from './span-record.js';
export type { SpanRecord, SpanBatch } from './span-record.js';
export { GenAiAttr, GenAiOperation, TroupeAttr, MetricName } from './attributes.js';
export { TelemetryError, TelemetryErrorCode, isTelemetryError } from './errors.js';
