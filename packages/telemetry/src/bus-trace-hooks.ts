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
      propagation.inject(context.active(), carrier, setter);
    },
    runWithExtracted(carrier, fn) {
      // Extract onto ROOT, not the ambient context: a subscription started inside a span must not make
      // every message it receives a child of that span.
      return context.with(propagation.extract(ROOT_CONTEXT, carrier, getter), fn);
    },
  };
}
