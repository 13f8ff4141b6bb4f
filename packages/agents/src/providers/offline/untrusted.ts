/**
 * Reads text that a guardrail wrapped as untrusted data (the `@troupe/tools` envelope:
 * `<<<UNTRUSTED_DATA ...>>>`, a notice line, `---`, the text, `<<<END_UNTRUSTED_DATA>>>`).
 */
const ENVELOPE = /^\s*<<<UNTRUSTED_DATA[^\n]*>>>\n[^\n]*\n---\n([\s\S]*)\n<<<END_UNTRUSTED_DATA>>>\s*$/;

/** The text inside the envelope and whether there was one; text without an envelope comes back unchanged. */
export function unwrapUntrusted(text: string): { text: string; wrapped: boolean } {
  const m = ENVELOPE.exec(text);
  return m ? { text: m[1] ?? '', wrapped: true } : { text, wrapped: false };
}

const INSTRUCTION_LIKE =
  /\b(?:ignore|disregard|forget|override)\b[^.]*\b(?:instructions?|previous|above|prompt|rules)\b|system prompt|you are now|new instructions|do not follow/i;

/** Text without its instruction-like sentences: what the offline model keeps from content a guardrail flagged. */
export function dropInstructions(text: string): string {
  return text
    .split(/(?<=[.!?])\s+/)
    .filter((s) => !INSTRUCTION_LIKE.test(s))
    .join(' ');
}
