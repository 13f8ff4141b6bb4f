/**
 * How trace context crosses the bus. packages/bus knows nothing of OpenTelemetry: packages/telemetry
 * installs hooks that write W3C `traceparent`/`tracestate` into outgoing headers and read them back.
 */
export interface HeaderCarrier {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  keys(): string[];
}

export interface TraceHooks {
  /** Called for every outgoing message: write the active context into the carrier. */
  inject(carrier: HeaderCarrier): void;
  /**
   * Called for every incoming message before the handler runs: return a function that runs `fn`
   * inside the context the carrier holds.
   */
  runWithExtracted<T>(carrier: HeaderCarrier, fn: () => T): T;
}

const noopHooks: TraceHooks = {
  inject: () => undefined,
  runWithExtracted: (_carrier, fn) => fn(),
};

let current: TraceHooks = noopHooks;

export function setTraceHooks(hooks: TraceHooks | undefined): void {
  current = hooks ?? noopHooks;
}

export function traceHooks(): TraceHooks {
  return current;
}
