import type { z } from 'zod';

export type ParsedJson = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * The JSON object in a model's answer: the whole text, else the inside of a ```json fence, else the span from the
 * first `{` to the last `}` (models like to add a sentence around it).
 */
export function parseJsonOutput(text: string): ParsedJson {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: 'the answer was empty; expected a JSON object' };
  const candidates = [trimmed];
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)\n?```/.exec(trimmed);
  if (fence?.[1]) candidates.push(fence[1].trim());
  const first = trimmed.indexOf('{');
  const last = trimmed.lastIndexOf('}');
  if (first >= 0 && last > first) candidates.push(trimmed.slice(first, last + 1));
  let problem = 'no JSON object found in the answer';
  for (const candidate of candidates) {
    try {
      const value = JSON.parse(candidate) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value };
      problem = 'the answer is JSON but not an object';
    } catch (err) {
      problem = `the answer is not valid JSON (${(err as Error).message})`;
    }
  }
  return { ok: false, problem };
}

/** Zod issues as short lines a model can act on: `findings.0.citation.source: expected string`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], max = 12): string {
  const lines = issues
    .slice(0, max)
    .map((i) => `- ${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
  if (issues.length > max) lines.push(`- … and ${issues.length - max} more`);
  return lines.join('\n');
}
