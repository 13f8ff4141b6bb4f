import type { ChatMessage } from '../providers/chat.js';
import type { Role } from '../roles/role.js';
import { AgentError, AgentErrorCode } from './agent-error.js';
import { describeIssues, parseJsonOutput } from './json-output.js';

export type ReadOutput<TOutput> = { ok: true; output: TOutput } | { ok: false; problem: string };

/** The role's output from a model's final answer: its JSON object, validated against the role's schema. */
export function readOutput<TOutput>(role: Role<TOutput>, answer: string): ReadOutput<TOutput> {
  const parsed = parseJsonOutput(answer);
  if (!parsed.ok) return { ok: false, problem: parsed.problem };
  const validated = role.output.safeParse(parsed.value);
  if (validated.success) return { ok: true, output: validated.data };
  return { ok: false, problem: `it does not match the schema:\n${describeIssues(validated.error.issues)}` };
}

/** The turn that asks for a corrected answer: the invalid answer, then what is wrong with it. */
export function repairTurn(answer: string, problem: string): ChatMessage[] {
  return [
    { role: 'assistant', content: answer },
    {
      role: 'user',
      content:
        `Your answer could not be used: ${problem}\n` +
        'Reply again with only the corrected JSON object that matches the schema in the instructions. ' +
        'Keep what was right.',
    },
  ];
}

export function invalidOutput(
  stepId: string,
  role: Role<unknown>,
  answer: string,
  problem: string,
): AgentError {
  return new AgentError(
    AgentErrorCode.InvalidOutput,
    `step ${stepId}: role "${role.name}" gave an invalid answer after a repair round: ${problem}`,
    { details: { problem, answer: answer.slice(0, 2000) } },
  );
}
