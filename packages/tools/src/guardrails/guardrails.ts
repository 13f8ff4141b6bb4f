import { z } from 'zod';
import { parseOptions } from '../options.js';
import { INJECTION_PATTERNS, scanForInjection, type InjectionPattern } from './injection-patterns.js';
import { redactPii } from './pii.js';
import type { GuardrailSource, GuardrailTrip, InspectResult, OutputCheck, PiiKind } from './types.js';
import { wrapUntrusted } from './wrap-untrusted.js';

export interface GuardrailsOptions {
  /** Redact emails, phone numbers, card numbers, IBANs, SSNs and secrets in inspected text. Default false. */
  pii?: boolean;
  /** Words or phrases (case-insensitive, whole words) an output must not contain. */
  denyList?: string[];
  /** Largest output `checkOutput` lets through, in UTF-8 bytes. Default 1 MiB. */
  maxOutputBytes?: number;
  /** Injection score at or above which text is flagged, in (0, 1]. Default 0.5. */
  injectionThreshold?: number;
  /** Extra injection patterns, added to the built-in ones. */
  extraPatterns?: InjectionPattern[];
}

export interface InspectOptions {
  source: GuardrailSource;
  /** The tool or step the text came from; goes into trips and the untrusted-data wrapper. */
  name?: string;
}

export interface Guardrails {
  /**
   * Scores text for prompt injection and redacts PII (when enabled). Flagged task input and tool results come
   * back wrapped as untrusted data, so the model reads them as data rather than instructions.
   */
  inspectText(text: string, options: InspectOptions): InspectResult;
  /** Size limit and deny list for a final output (a string, or anything JSON-serialisable). */
  checkOutput(value: unknown): OutputCheck;
  wrapUntrusted(text: string, options?: InspectOptions): string;
}

const optionsSchema = z.object({
  pii: z.boolean().optional(),
  denyList: z.array(z.string().trim().min(1, 'entries must not be empty')).optional(),
  maxOutputBytes: z.number().int().positive().optional(),
  injectionThreshold: z.number().gt(0).max(1).optional(),
  extraPatterns: z
    .array(z.object({ id: z.string().min(1), weight: z.number().gt(0).lt(1), regex: z.instanceof(RegExp) }))
    .optional(),
});

export function createGuardrails(options: GuardrailsOptions = {}): Guardrails {
  const opts = parseOptions(optionsSchema, options, 'createGuardrails');
  const threshold = opts.injectionThreshold ?? 0.5;
  const maxOutputBytes = opts.maxOutputBytes ?? 1024 * 1024;
  const patterns = [...INJECTION_PATTERNS, ...(opts.extraPatterns ?? [])];
  const denied = (opts.denyList ?? []).map((term) => ({ term, regex: termRegex(term) }));

  const inspectText = (text: string, { source, name }: InspectOptions): InspectResult => {
    const trips: GuardrailTrip[] = [];
    const scan = scanForInjection(text, patterns);
    const flagged = scan.score >= threshold;
    const named = name === undefined ? {} : { name };
    let out = text;
    let redacted: Partial<Record<PiiKind, number>> = {};
    if (opts.pii) {
      const result = redactPii(out);
      out = result.text;
      redacted = result.counts;
      const kinds = Object.entries(redacted);
      if (kinds.length > 0) {
        trips.push({
          kind: 'pii',
          source,
          ...named,
          detail: `redacted ${kinds.map(([kind, n]) => `${n} ${kind}`).join(', ')}`,
        });
      }
    }
    if (flagged) {
      trips.push({
        kind: 'injection',
        source,
        ...named,
        score: scan.score,
        detail: `possible prompt injection (score ${scan.score} >= ${threshold}): ${scan.matches.map((m) => m.pattern).join(', ')}`,
      });
      if (source !== 'output') out = wrapUntrusted(out, { source, ...named });
    }
    return { flagged, score: scan.score, matches: scan.matches, text: out, redacted, trips };
  };

  const checkOutput = (value: unknown): OutputCheck => {
    const trips: GuardrailTrip[] = [];
    let serialised: string;
    try {
      serialised = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
    } catch (err) {
      trips.push({
        kind: 'size',
        source: 'output',
        detail: `output cannot be serialised: ${(err as Error).message}`,
      });
      return { ok: false, bytes: 0, trips };
    }
    const bytes = Buffer.byteLength(serialised, 'utf8');
    if (bytes > maxOutputBytes) {
      trips.push({
        kind: 'size',
        source: 'output',
        detail: `output is ${bytes} bytes, over the limit of ${maxOutputBytes}`,
      });
    }
    const haystack = serialised.normalize('NFKC');
    for (const { term, regex } of denied) {
      if (regex.test(haystack))
        trips.push({ kind: 'deny-list', source: 'output', detail: `output contains denied term "${term}"` });
    }
    return { ok: trips.length === 0, bytes, trips };
  };

  return {
    inspectText,
    checkOutput,
    wrapUntrusted: (text, o) => wrapUntrusted(text, o ?? {}),
  };
}

/** A case-insensitive whole-word (or whole-phrase) match; whitespace inside a phrase matches any whitespace. */
function termRegex(term: string): RegExp {
  const body = term
    .normalize('NFKC')
    .trim()
    .split(/\s+/)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, 'iu');
}
