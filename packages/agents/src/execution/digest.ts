import { createHash } from 'node:crypto';

/** `sha256:<hex>` of a string, or of the JSON of anything else. */
export function digest(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
