import type { GuardrailTrip, InspectOptions } from '@troupe/tools';
import { AgentError, AgentErrorCode } from './agent-error.js';
import type { StepScope } from './step-scope.js';
import type { StepGuardrails } from './types.js';

/** A step's guardrails: every trip is reported once, as a progress event and an audit record. */
export class GuardrailCheck {
  private readonly reported = new Set<string>();
  /** What each text became, by source and name, then by the text itself: each text is scanned once. */
  private readonly inspected = new Map<string, Map<string, string>>();

  constructor(
    private readonly scope: StepScope,
    private readonly guardrails: StepGuardrails | undefined,
  ) {}

  /** The text to hand the model: as it is, redacted, or wrapped as untrusted data. */
  inspect(text: string, options: InspectOptions): string {
    if (!this.guardrails) return text;
    const from = `${options.source}|${options.name ?? ''}`;
    let texts = this.inspected.get(from);
    if (!texts) this.inspected.set(from, (texts = new Map()));
    const known = texts.get(text);
    if (known !== undefined) return known;
    const result = this.guardrails.inspectText(text, options);
    if (result.trips.length > 0) this.report(options.source, options.name, result.trips);
    texts.set(text, result.text);
    return result.text;
  }

  /** Throws `GUARDRAIL` when the final output trips the size limit or the deny list. */
  checkOutput(output: unknown): void {
    if (!this.guardrails) return;
    const check = this.guardrails.checkOutput(output);
    if (check.trips.length === 0) return;
    this.report('output', this.scope.stepId, check.trips);
    throw new AgentError(
      AgentErrorCode.Guardrail,
      `step ${this.scope.stepId}: output blocked by guardrails: ${check.trips.map((t) => t.detail).join('; ')}`,
      { retryable: false, details: { trips: check.trips } },
    );
  }

  private report(source: GuardrailTrip['source'], name: string | undefined, trips: readonly GuardrailTrip[]) {
    const fresh = trips.filter((t) => {
      const key = `${t.source}|${t.name ?? ''}|${t.kind}|${t.detail}`;
      if (this.reported.has(key)) return false;
      this.reported.add(key);
      return true;
    });
    if (fresh.length === 0) return;
    const { scope } = this;
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
}
