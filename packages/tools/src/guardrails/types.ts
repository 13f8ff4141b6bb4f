/** Where inspected text came from. */
export type GuardrailSource = 'task-input' | 'tool-result' | 'output';

export type GuardrailTripKind = 'injection' | 'pii' | 'deny-list' | 'size';

/** One guardrail that fired; callers turn it into a progress event and an audit record. */
export interface GuardrailTrip {
  kind: GuardrailTripKind;
  source: GuardrailSource;
  /** The tool (or step) that produced the text, when known. */
  name?: string;
  /** Injection score in [0, 1], for `injection` trips. */
  score?: number;
  detail: string;
}

export interface InjectionMatch {
  /** Id of the pattern that matched, e.g. `ignore-previous-instructions`. */
  pattern: string;
  /** The matching text with a little context. */
  excerpt: string;
}

export type PiiKind = 'email' | 'phone' | 'credit-card' | 'iban' | 'ssn' | 'secret';

export interface InspectResult {
  /** The injection score reached the threshold. */
  flagged: boolean;
  /** Injection score in [0, 1]: the patterns' weights combined as independent evidence. */
  score: number;
  matches: InjectionMatch[];
  /** The text to pass on: PII redacted (when enabled) and, when flagged, wrapped as untrusted data. */
  text: string;
  /** How many of each kind of PII were redacted. */
  redacted: Partial<Record<PiiKind, number>>;
  trips: GuardrailTrip[];
}

export interface OutputCheck {
  ok: boolean;
  /** Size of the output, UTF-8 bytes of the string or of its JSON. */
  bytes: number;
  trips: GuardrailTrip[];
}
