import type { z } from 'zod';

/** `a.b[2]` for a zod issue path; `(root)` for the value itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * One line per zod issue, each naming the field at fault, worded so that a model reading it as a tool
 * result can fix its call: `- "query": required (expected string)`.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `- ${describeIssue(issue)}`).join('\n');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = `"${formatPath(issue.path)}"`;
  switch (issue.code) {
    case 'invalid_type':
      if (/received undefined$/.test(issue.message)) return `${field}: required (expected ${issue.expected})`;
      return `${field}: ${issue.message.replace(/^Invalid input: /, '')}`;
    case 'unrecognized_keys': {
      const where = issue.path.length === 0 ? '' : ` in ${field}`;
      return `unknown field${issue.keys.length > 1 ? 's' : ''}${where}: ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    default:
      return `${field}: ${issue.message}`;
  }
}
