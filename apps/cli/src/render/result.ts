import type { Task, TaskResult } from '@troupe/client';
import { formatCost, formatTable, formatTokens, modelLabel } from './format.js';

interface CitationLike {
  id?: number;
  source: string;
  title?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function citationsOf(result: Record<string, unknown>): CitationLike[] {
  const list = result['citations'];
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is CitationLike => isRecord(c) && typeof c['source'] === 'string');
}

/** A readable form of a task's result: the report or answer as Markdown, its sources, else the JSON. */
export function renderResultBody(result: unknown): string {
  if (!isRecord(result)) return JSON.stringify(result, null, 2);
  const body =
    typeof result['document'] === 'string'
      ? result['document']
      : typeof result['answer'] === 'string'
        ? result['answer']
        : undefined;
  if (body === undefined) return JSON.stringify(result, null, 2);
  const citations = citationsOf(result);
  const lines = [body.trimEnd()];
  // A report lists its references itself; the sources are added when the text does not name them all.
  if (citations.length > 0 && !citations.every((c) => body.includes(c.source))) {
    lines.push('', 'Sources:');
    citations.forEach((c, i) =>
      lines.push(`  [${c.id ?? i + 1}] ${c.title ? `${c.title} — ` : ''}${c.source}`),
    );
  }
  return lines.join('\n');
}

/** `approve · confidence 0.82 · by agent · 1 round`, with the reviewer's notes, for a result with a review. */
export function renderReview(result: unknown): string | undefined {
  if (!isRecord(result) || !isRecord(result['review'])) return undefined;
  const r = result['review'];
  const parts = [String(r['verdict'] ?? '?')];
  if (typeof r['confidence'] === 'number') parts.push(`confidence ${r['confidence'].toFixed(2)}`);
  if (typeof r['by'] === 'string') parts.push(`by ${r['by'] === 'human' ? 'a person' : r['by']}`);
  if (typeof r['rounds'] === 'number') parts.push(`${r['rounds']} round${r['rounds'] === 1 ? '' : 's'}`);
  const notes = Array.isArray(r['notes']) ? r['notes'].filter((n): n is string => typeof n === 'string') : [];
  return [parts.join(' · '), ...notes.map((n) => `  - ${n}`)].join('\n');
}

export const renderUsage = (usage: TaskResult['usage']): string =>
  `${formatTokens(usage.inputTokens, usage.outputTokens)} · cost ${formatCost(usage.costUsd)}`;

/** The whole human form of a finished task's result. */
export function renderTaskResult(result: TaskResult): string {
  const lines = [renderResultBody(result.result), ''];
  const review = renderReview(result.result);
  if (review) lines.push(`Review: ${review}`);
  if (result.error) lines.push(`Error: ${result.error.code}: ${result.error.message}`);
  lines.push(`Usage: ${renderUsage(result.usage)}`);
  return lines.join('\n');
}

/** `troupe status`: where the task is, its steps, usage, review and error. */
export function renderTaskStatus(task: Task): string {
  const lines = [
    `${task.id} · ${task.workflow}${task.workflowVersion !== null ? ` v${task.workflowVersion}` : ''} · ${task.status}`,
    `created ${new Date(task.createdAt).toISOString()} · updated ${new Date(task.updatedAt).toISOString()}`,
  ];
  if (task.steps.length > 0) {
    lines.push(
      '',
      formatTable(
        ['STEP', 'ROLE', 'STATUS', 'AGENT', 'MODEL', 'TOKENS', 'COST'],
        task.steps.map((s) => {
          const v = s as typeof s & {
            agentId?: string;
            model?: string;
            usage?: {
              inputTokens: number;
              outputTokens: number;
              costUsd: number;
              model?: string;
              provider?: string;
            };
          };
          const model = v.usage?.model ? modelLabel(v.usage.provider, v.usage.model) : (v.model ?? '');
          return [
            s.key,
            s.role,
            s.attempt > 1 ? `${s.status} (attempt ${s.attempt})` : s.status,
            v.agentId ?? '',
            model,
            v.usage ? String(v.usage.inputTokens + v.usage.outputTokens) : '',
            v.usage ? formatCost(v.usage.costUsd) : '',
          ];
        }),
      ),
    );
  }
  lines.push('', `Usage: ${renderUsage(task.usage)}`);
  if (task.review?.pending)
    lines.push(`Review: waiting for a person → troupe review ${task.id} approve|reject|revise`);
  else if (task.review?.last) {
    const l = task.review.last;
    lines.push(
      `Review: ${l.verdict} · confidence ${l.confidence.toFixed(2)} · by ${l.by} · ${l.rounds} round${l.rounds === 1 ? '' : 's'}`,
    );
  }
  if (task.error) lines.push(`Error: ${task.error.code}: ${task.error.message}`);
  if (task.resultAvailable) lines.push(`Result: troupe result ${task.id}`);
  return lines.join('\n');
}
