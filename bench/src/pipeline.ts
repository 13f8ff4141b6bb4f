import { defineRole, type Role } from '@troupe/agents';
import { defineWorkflow, type AnyWorkflow } from '@troupe/supervisor';
import { z } from 'zod';
import { firstPayload, PIPELINE_STEPS, type PipelineStep, type StepPayload } from './step-work.js';

/**
 * The benchmark's roles and workflows. Four roles with tiny schemas, each served by its own agent
 * process. Every role exists twice:
 * - `bench-<step>`: a real agent (`runAgent`) on the offline model with zero latency — context assembly,
 *   the model call, schema validation, guardrails, audit and progress events all run;
 * - `bench-<step>-raw`: the bare agent host (`startAgentHost`) running `stepWork`, the same trivial function
 *   the LangGraph and BullMQ pipelines run: the like-for-like comparison of coordination alone.
 * Both exist once more as `-waiting` roles, for agents whose steps wait like a model call.
 */
export const offlineRole = (step: PipelineStep | 'research-slow'): string => `bench-${step}`;
export const rawRole = (step: PipelineStep): string => `bench-${step}-raw`;
/**
 * The same roles again, served by agents whose every step waits (the offline model's latency, or a wait
 * before the bare step): how throughput scales with agents when steps are slow like model calls.
 */
export const waitingRole = (step: PipelineStep): string => `bench-${step}-waiting`;
export const rawWaitingRole = (step: PipelineStep): string => `bench-${step}-raw-waiting`;

const SummaryOutput = z.object({ summary: z.string(), score: z.number() });
const CheckOutput = z.object({
  verdict: z.enum(['approve', 'revise']),
  confidence: z.number().min(0).max(1),
  notes: z.array(z.string()),
});

function summaryRole(name: string, what: string): Role {
  return defineRole({
    name,
    description: `Benchmark role: ${what}.`,
    instructions: `You ${what}. Answer with a one-sentence summary and a score.`,
    output: SummaryOutput,
  });
}

/** The four pipeline roles, named by `roleOf`. */
const pipelineRoles = (roleOf: (step: PipelineStep) => string): Record<string, Role> => ({
  [roleOf('fetch')]: summaryRole(roleOf('fetch'), 'collect what is known about the question'),
  [roleOf('parse')]: summaryRole(roleOf('parse'), 'pick out the facts in the previous step'),
  [roleOf('score')]: summaryRole(roleOf('score'), 'score the facts of the previous step'),
  [roleOf('check')]: defineRole({
    name: roleOf('check'),
    description: 'Benchmark role: checks the result (its confidence decides whether a person must look).',
    instructions: 'You check the previous step. Answer with a verdict, your confidence and notes.',
    output: CheckOutput,
  }),
});

/** The offline-model roles by name (a process serves one of them). */
export const benchRoles: Readonly<Record<string, Role>> = {
  ...pipelineRoles(offlineRole),
  ...pipelineRoles(waitingRole),
  [offlineRole('research-slow')]: summaryRole(
    offlineRole('research-slow'),
    'research one sub-question (on a model with latency)',
  ),
};

const Input = z.object({ question: z.string().min(1) });

/** Step i of the offline pipeline: its input is the question and the previous step's output. */
const offlineSteps = (gate: boolean, roleOf: (step: PipelineStep) => string = offlineRole) =>
  PIPELINE_STEPS.map((step, i) => {
    const previous = i > 0 ? PIPELINE_STEPS[i - 1] : undefined;
    return {
      id: step,
      role: roleOf(step),
      ...(previous ? { needs: [previous] } : {}),
      input: (ctx: { input: { question: string }; outputs: Readonly<Record<string, unknown>> }) => ({
        question: ctx.input.question,
        ...(previous ? { previous: ctx.outputs[previous] } : {}),
      }),
      // The offline model answers the check role with confidence 0.5: under 0.9 the task waits for a person.
      ...(gate && step === 'check' ? { review: { revise: 'score', threshold: 0.9 } } : {}),
    };
  });

/** fetch → parse → score → check, each a different role on the offline model. */
export const pipelineWorkflow = defineWorkflow({
  name: 'bench-pipeline',
  version: 1,
  description: 'Four sequential steps, each a different role on the offline model.',
  input: Input,
  steps: offlineSteps(false),
  result: ({ outputs }) => outputs['check'],
});

/** The same four steps on bare agent hosts running the trivial `stepWork` the peers run. */
const rawSteps = (roleOf: (step: PipelineStep) => string) =>
  PIPELINE_STEPS.map((step, i) => {
    const previous = i > 0 ? PIPELINE_STEPS[i - 1] : undefined;
    return {
      id: step,
      role: roleOf(step),
      ...(previous ? { needs: [previous] } : {}),
      input: (ctx: { input: { question: string }; outputs: Readonly<Record<string, unknown>> }) =>
        previous ? (ctx.outputs[previous] as StepPayload) : firstPayload(ctx.input.question),
    };
  });

/** The same four steps with the same trivial `stepWork` the peers run, on bare agent hosts. */
export const rawPipelineWorkflow = defineWorkflow({
  name: 'bench-pipeline-raw',
  version: 1,
  description: 'Four sequential steps running the shared trivial step function.',
  input: Input,
  steps: rawSteps(rawRole),
  result: ({ outputs }) => outputs['check'],
});

/** The pipeline on agents whose steps wait like a model call (`waitingRole`). */
export const waitingPipelineWorkflow = defineWorkflow({
  name: 'bench-pipeline-waiting',
  version: 1,
  description: 'The four offline-model steps, each waiting like a model call.',
  input: Input,
  steps: offlineSteps(false, waitingRole),
  result: ({ outputs }) => outputs['check'],
});

/** The bare-host pipeline whose steps wait before `stepWork` (`rawWaitingRole`). */
export const rawWaitingPipelineWorkflow = defineWorkflow({
  name: 'bench-pipeline-raw-waiting',
  version: 1,
  description: 'The four bare-host steps, each waiting like a model call before the shared step function.',
  input: Input,
  steps: rawSteps(rawWaitingRole),
  result: ({ outputs }) => outputs['check'],
});

/** The pipeline whose last step's low confidence parks the task at `awaiting_review`. */
export const parkedWorkflow = defineWorkflow({
  name: 'bench-parked',
  version: 1,
  description: 'The pipeline with a review gate the offline model never passes on its own.',
  input: Input,
  steps: offlineSteps(true),
  result: ({ outputs }) => outputs['check'],
});

export const FAN_OUT = 16;

const fanOut = (name: string, role: string, items: number) =>
  defineWorkflow({
    name,
    version: 1,
    description: `${items === 1 ? 'One research step' : `${items} research steps in parallel`} (${role}).`,
    input: Input,
    steps: [
      items === 1
        ? { id: 'research', role, input: ({ input }) => ({ question: input.question }) }
        : {
            id: 'research',
            role,
            forEach: ({ input }) =>
              Array.from({ length: items }, (_, i) => `${input.question} (part ${i + 1})`),
            maxParallel: items,
            input: ({ item }) => ({ question: item as string }),
          },
    ],
    result: ({ outputs }) => outputs['research'],
  });

/** Fan-out on the zero-latency offline model (coordination cost) and on one with 50 ms per call (overlap). */
export const fanOutWorkflows = {
  single: fanOut('bench-single', offlineRole('fetch'), 1),
  fanOut: fanOut('bench-fanout', offlineRole('fetch'), FAN_OUT),
  singleSlow: fanOut('bench-single-slow', offlineRole('research-slow'), 1),
  fanOutSlow: fanOut('bench-fanout-slow', offlineRole('research-slow'), FAN_OUT),
} as const;

export const benchWorkflows: readonly AnyWorkflow[] = [
  pipelineWorkflow,
  rawPipelineWorkflow,
  waitingPipelineWorkflow,
  rawWaitingPipelineWorkflow,
  parkedWorkflow,
  ...Object.values(fanOutWorkflows),
] as unknown as readonly AnyWorkflow[];
