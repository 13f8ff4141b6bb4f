import { z } from 'zod';
import { StepErrorSchema, UsageSchema } from '@troupe/bus';

const at = z.number().finite();
const key = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const attempt = z.int().positive();

/**
 * What the runtime tells a task. Every event carries `at` (epoch ms, from the runtime's clock): the engine
 * never reads a clock, so the same events give the same snapshots and effects.
 */
export const WorkflowEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('step.succeeded'),
    at,
    stepKey: key,
    attempt,
    output: z.unknown(),
    usage: UsageSchema,
    agentId: z.string(),
  }),
  z.object({
    type: z.literal('step.failed'),
    at,
    stepKey: key,
    attempt,
    error: StepErrorSchema,
    agentId: z.string().optional(),
    usage: UsageSchema.optional(),
  }),
  /** The agent died or the assignment's deliveries ran out: reassign. */
  z.object({ type: z.literal('step.lost'), at, stepKey: key, attempt, reason: z.string() }),
  /** Time passed: deadlines, retry backoffs, review timeouts, the wall-time budget. */
  z.object({ type: z.literal('tick'), at }),
  z.object({
    type: z.literal('review.decision'),
    at,
    decision: z.enum(['approve', 'reject', 'revise']),
    notes: z.union([z.string(), z.array(z.string())]).optional(),
    by: z.string().optional(),
  }),
  z.object({ type: z.literal('cancel'), at, reason: z.string().optional() }),
]);

export type WorkflowEvent = z.infer<typeof WorkflowEventSchema>;
export type WorkflowEventType = WorkflowEvent['type'];
export type WorkflowEventOf<TType extends WorkflowEventType> = Extract<WorkflowEvent, { type: TType }>;
