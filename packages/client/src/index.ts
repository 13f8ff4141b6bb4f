export { createClient } from './client.js';
export type {
  ClientOptions,
  SubmitOptions,
  EventsOptions,
  WaitOptions,
  TroupeClient,
  TaskListUpdate,
  TraceSpanMessage,
  UsageOptions,
} from './client.js';
export { FollowState } from './follow-stream.js';
export type { FollowOptions, FollowStreamOptions, StreamMessage } from './follow-stream.js';
export { TroupeApiError, TroupeApiErrorCode, isTroupeApiError, codeForStatus } from './errors.js';
export * from './schemas.js';
export * from './live-schemas.js';
