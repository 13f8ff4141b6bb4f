import { CitationSchema, FindingSchema, ResearcherOutputSchema } from '@troupe/bus';
import { z } from 'zod';
import { defineRole } from './role.js';

export const Citation = CitationSchema;
export type Citation = z.infer<typeof Citation>;

export const Finding = FindingSchema;
export type Finding = z.infer<typeof Finding>;

export const ResearcherInput = z.looseObject({
  /** The sub-question to research. */
  question: z.string().min(1),
  /** The task it belongs to; `task.question` is the overall question. */
  task: z.looseObject({ question: z.string().min(1) }).optional(),
});
export type ResearcherInput = z.infer<typeof ResearcherInput>;

export const ResearcherOutput = ResearcherOutputSchema;
export type ResearcherOutput = z.infer<typeof ResearcherOutput>;

export const researcher = defineRole({
  name: 'researcher',
  description: 'Searches the corpus for evidence on one sub-question and returns cited findings.',
  instructions: `You are a researcher. Your sub-question is "question" in the step input; "task.question" is the
overall question of the task, for context. Call the search_corpus tool once or twice with short keyword queries,
then answer.
Report only what the search results say: each finding is a one- or two-sentence summary of one hit, with a citation
whose "source" and "title" are copied exactly from the hit and whose "excerpt" is a verbatim passage from it.
Never invent sources. If nothing relevant is found, return an empty findings list.
Set "question" to the sub-question you researched.`,
  input: ResearcherInput,
  output: ResearcherOutput,
  tools: ['search_corpus'],
});
