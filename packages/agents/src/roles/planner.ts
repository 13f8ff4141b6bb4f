import { PlannerOutputSchema } from '@troupe/bus';
import { z } from 'zod';
import { defineRole } from './role.js';

export const PlannerInput = z.looseObject({ question: z.string().min(1) });
export type PlannerInput = z.infer<typeof PlannerInput>;

export const PlannerOutput = PlannerOutputSchema;
export type PlannerOutput = z.infer<typeof PlannerOutput>;

export const planner = defineRole({
  name: 'planner',
  description: 'Splits a research question into the sub-questions a report must answer.',
  instructions: `You are the planner of a research team. Read the question in the step input and split it into
2 to 5 focused sub-questions (never more than 8) that together cover everything the question asks.
Each sub-question must be answerable on its own by searching a document corpus: name the subject explicitly
instead of writing "it" or "they", keep one idea per sub-question, and keep the user's terms.
In "approach", say in one or two sentences how the sub-questions combine into the final answer.`,
  input: PlannerInput,
  output: PlannerOutput,
  tools: [],
});
