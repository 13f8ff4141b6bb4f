import {
  ROOT_CONTEXT,
  context,
  propagation,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { HeaderCarrier, TraceHooks } from '@troupe/bus';

const setter: TextMapSetter<HeaderCarrier> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

const getter: TextMapGetter<HeaderCarrier> = {
  get: (carrier, key) => carrier.get(key),
  keys: (carrier) => carrier.keys(),
};

/**
 * Trace hooks for the bus: outgoing messages carry the active context as W3C `traceparent`/`tracestate`
 * headers (through the global propagator), incoming handlers run inside the context their headers hold.
 * `initTelemetry` installs them with `setTraceHooks`; exported for processes that set up OpenTelemetry
 * themselves.
 */
export function createBusTraceHooks(): TraceHooks {
  return {
    inject(carrier) {
      const active = context.active();
      // Nothing to carry where no context was ever set (no span open, no baggage).
      if (active !== ROOT_CONTEXT) propagation.inject(active, carrier, setter);
    },
    runWithExtracted(carrier, fn) {
      // Extract onto ROOT, not the ambient context: a subscription started inside a span must not make
      // every message it receives a child of that span.
      const extracted = propagation.extract(ROOT_CONTEXT, carrier, getter);
      // A message without trace context, handled where none is active: no context to enter.
      if (extracted === ROOT_CONTEXT && context.active() === ROOT_CONTEXT) return fn();
      return context.with(extracted, fn);
    },
  };
}
