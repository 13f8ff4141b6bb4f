import { createHash, type Hash } from 'node:crypto';
import type { ChatMessage } from '../providers/chat.js';

/** `sha256:<hex>` of a string, or of the JSON of anything else. */
export function digest(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** The hash state after `[` and a system message, by the message's text. */
const systemPrefixes = new Map<string, Hash>();
/** Roles times tool lists a process serves stay far below this; past it the states are simply made again. */
const MAX_SYSTEM_PREFIXES = 256;

/**
 * `digest(messages)`, the same value, without JSON-encoding and hashing a system prompt seen before: a role's
 * system prompt (instructions and output schema) is most of a small prompt, and the same in every step.
 */
export function promptDigest(messages: readonly ChatMessage[]): string {
  const first = messages[0];
  if (first?.role !== 'system' || !isPlainSystemMessage(first)) return digest(messages);
  let prefix = systemPrefixes.get(first.content);
  if (!prefix) {
    if (systemPrefixes.size >= MAX_SYSTEM_PREFIXES) systemPrefixes.clear();
    prefix = createHash('sha256').update(`[${JSON.stringify(first)}`);
    systemPrefixes.set(first.content, prefix);
  }
  const hash = prefix.copy();
  for (let i = 1; i < messages.length; i++) hash.update(`,${JSON.stringify(messages[i])}`);
  return `sha256:${hash.update(']').digest('hex')}`;
}

/** `{ role, content }` in that order: then its JSON, and so the cached state, follows from the text alone. */
function isPlainSystemMessage(message: object): boolean {
  const keys = Object.keys(message);
  return keys.length === 2 && keys[0] === 'role';
}
