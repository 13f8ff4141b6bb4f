import { z } from 'zod';
import { defineWorkflow } from '../workflow/define-workflow.js';
import type { StepContext, ReviewBy, UsageTotals } from '../workflow/types.js';
import {
  AnalystOutputSchema,
  BuiltinRole,
  DEFAULT_REVIEW_CRITERIA,
  DrafterOutputSchema,
  PlannerOutputSchema,
  ResearcherOutputSchema,
  ReviewerOutputSchema,
} from '@troupe/bus';
import type { AnalystOutput, DrafterOutput, Finding, PlannerOutput, ResearcherOutput } from '@troupe/bus';
import { questionField } from './task-input.js';

export { DEFAULT_REVIEW_CRITERIA };

export const ReportInputSchema = z.object({
  question: questionField,
  /** At most this many sub-questions are researched (the planner may propose more). */
  maxSubQuestions: z.int().min(1).max(12).optional(),
  /** What the reviewer checks the draft against. */
  criteria: z.array(z.string().min(1).max(500)).min(1).max(12).optional(),
});
export type ReportInput = z.infer<typeof ReportInputSchema>;

export interface ReportResult {
  document: string;
  title: string;
  citations: DrafterOutput['citations'];
  review: {
    verdict: 'approve' | 'revise' | 'reject';
    confidence: number;
    notes: string[];
    by: ReviewBy;
    rounds: number;
  };
  steps: Record<string, unknown>;
  usage: UsageTotals;
  partial?: boolean;
}

const DEFAULT_MAX_SUB_QUESTIONS = 8;

function subQuestions(ctx: StepContext<ReportInput>): string[] {
  const plan = ctx.outputs.plan as PlannerOutput;
  return plan.subQuestions.slice(0, ctx.input.maxSubQuestions ?? DEFAULT_MAX_SUB_QUESTIONS);
}

function findings(ctx: StepContext<ReportInput>): Finding[] {
  return ((ctx.outputs.research ?? []) as ResearcherOutput[]).flatMap((r) => r.findings);
}

function reportOf(ctx: StepContext<ReportInput>, partial: boolean): ReportResult {
  const draft = ctx.outputs.draft as DrafterOutput | undefined;
  const review = ctx.review;
  const result: ReportResult = {
    document: draft?.markdown ?? '',
    title: draft?.title ?? '',
    citations: draft?.citations ?? [],
    review: review
      ? {
          verdict: review.verdict,
          confidence: review.confidence,
          notes: review.notes,
          by: review.by,
          rounds: review.rounds,
        }
      : { verdict: 'revise', confidence: 0, notes: [], by: 'agent', rounds: 0 },
    steps: ctx.steps,
    usage: ctx.usage,
  };
  if (partial) result.partial = true;
  return result;
}

/**
 * plan → research (one step per sub-question, at most 4 at once) → analyse → draft → review.
 * The reviewer's "revise" sends the draft back with its notes (at most `maxReviewRounds` times); a verdict
 * with confidence under `reviewThreshold` waits for a person.
 */
export const report = defineWorkflow({
  name: 'report',
  version: 1,
  description:
    'Plans, researches each sub-question in parallel, analyses, drafts and reviews a cited report.',
  input: ReportInputSchema,
  options: { maxParallel: 4 },
  steps: [
    {
      id: 'plan',
      role: BuiltinRole.Planner,
      input: ({ input }) => ({ question: input.question }),
      output: PlannerOutputSchema,
    },
    {
      id: 'research',
      role: BuiltinRole.Researcher,
      needs: ['plan'],
      forEach: (ctx) => subQuestions(ctx),
      input: ({ input, item }) => ({ question: item as string, task: { question: input.question } }),
      output: ResearcherOutputSchema,
    },
    {
      id: 'analyse',
      role: BuiltinRole.Analyst,
      needs: ['research'],
      input: (ctx) => ({ question: ctx.input.question, findings: findings(ctx) }),
      output: AnalystOutputSchema,
    },
    {
      id: 'draft',
      role: BuiltinRole.Drafter,
      needs: ['analyse'],
      input: (ctx) => {
        const previous = ctx.outputs.draft as DrafterOutput | undefined;
        return {
          question: ctx.input.question,
          subQuestions: subQuestions(ctx),
          analysis: ctx.outputs.analyse as AnalystOutput,
          findings: findings(ctx),
          ...(previous ? { revision: { notes: [...ctx.notes], previous } } : {}),
        };
      },
      output: DrafterOutputSchema,
    },
    {
      id: 'review',
      role: BuiltinRole.Reviewer,
      needs: ['draft'],
      input: (ctx) => ({
        question: ctx.input.question,
        subQuestions: subQuestions(ctx),
        draft: ctx.outputs.draft as DrafterOutput,
        criteria: ctx.input.criteria ?? [...DEFAULT_REVIEW_CRITERIA],
      }),
      output: ReviewerOutputSchema,
      review: { revise: 'draft' },
    },
  ],
  result: (ctx) => reportOf(ctx, false),
  partial: (ctx) => reportOf(ctx, true),
});
