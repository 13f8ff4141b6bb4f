import type { GuardrailTrip, InspectOptions } from '@troupe/tools';
import { AgentError, AgentErrorCode } from './agent-error.js';
import type { StepScope } from './step-scope.js';
import type { StepGuardrails } from './types.js';

/** A step's guardrails: every trip is reported once, as a progress event and an audit record. */
export interface GuardrailCheck {
  /** The text to hand the model: as it is, redacted, or wrapped as untrusted data. Each text is scanned once. */
  inspect(text: string, options: InspectOptions): string;
  /** Throws `GUARDRAIL` when the final output trips the size limit or the deny list. */
  checkOutput(output: unknown): void;
}

const UNGUARDED: GuardrailCheck = {
  inspect: (text) => text,
  checkOutput: () => undefined,
};

export function createGuardrailCheck(
  scope: StepScope,
  guardrails: StepGuardrails | undefined,
): GuardrailCheck {
  if (!guardrails) return UNGUARDED;
  const reported = new Set<string>();
  /** What each text became, by source and name, then by the text itself. */
  const inspected = new Map<string, Map<string, string>>();
  return {
    inspect(text, options) {
      const from = `${options.source}|${options.name ?? ''}`;
      let texts = inspected.get(from);
      if (!texts) inspected.set(from, (texts = new Map()));
      const known = texts.get(text);
      if (known !== undefined) return known;
      const result = guardrails.inspectText(text, options);
      if (result.trips.length > 0) report(scope, reported, options.source, options.name, result.trips);
      texts.set(text, result.text);
      return result.text;
    },
    checkOutput(output) {
      const check = guardrails.checkOutput(output);
      if (check.trips.length === 0) return;
      report(scope, reported, 'output', scope.stepId, check.trips);
      throw new AgentError(
        AgentErrorCode.Guardrail,
        `step ${scope.stepId}: output blocked by guardrails: ${check.trips.map((t) => t.detail).join('; ')}`,
        { retryable: false, details: { trips: check.trips } },
      );
    },
  };
}

function report(
  scope: StepScope,
  reported: Set<string>,
  source: GuardrailTrip['source'],
  name: string | undefined,
  trips: readonly GuardrailTrip[],
): void {
  const fresh = trips.filter((t) => {
    const key = `${t.source}|${t.name ?? ''}|${t.kind}|${t.detail}`;
    if (reported.has(key)) return false;
    reported.add(key);
    return true;
  });
  if (fresh.length === 0) return;
  const data = { source, ...(name ? { name } : {}), trips: fresh };
  scope.emit?.({ type: 'guardrail.trip', data });
  scope.audit?.({
    type: 'guardrail.trip',
    at: scope.clock.now(),
    stepKey: scope.stepId,
    decision: 'flagged',
    data,
  });
}
