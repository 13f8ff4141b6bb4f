import { z } from 'zod';

/** Every built-in workflow's input starts with this. */
export const questionField = z.string().trim().min(1).max(4000);

export const QuestionInputSchema = z.object({ question: questionField });

/** `ctx.thread` (the summary of a continued task) as text for an agent's context. */
export function threadText(thread: unknown): string | undefined {
  if (thread === undefined || thread === null) return undefined;
  return typeof thread === 'string' ? thread : JSON.stringify(thread);
}
