import { describe, expect, it } from 'vitest';
import { checkWorkflowRoles } from '../workflow/define-workflow.js';
import { createWorkflowEngine } from '../workflow/engine.js';
import { WorkflowError } from '../workflow/errors.js';
import { createEngineDriver } from '../workflow/testing/engine-driver.js';
import { reportFixtures as fx } from './fixtures.js';
import { ask, builtinWorkflows, extract, rag, tools } from './index.js';
import { BuiltinRole } from '@troupe/bus';

const answer = {
  answer: 'Forty-two.',
  citations: [{ source: 'https://example.org/h2g2', title: 'The Guide' }],
};

describe('built-in workflows', () => {
  it('are collected in builtinWorkflows and use only the built-in roles', () => {
    expect(builtinWorkflows.map((w) => `${w.name}@${w.version}`)).toEqual([
      'ask@1',
      'rag@1',
      'extract@1',
      'tools@1',
      'report@1',
    ]);
    for (const wf of builtinWorkflows)
      expect(() => checkWorkflowRoles(wf, Object.values(BuiltinRole))).not.toThrow();
  });

  it('all take { question } of 1..4000 characters', () => {
    for (const wf of builtinWorkflows) {
      const engine = createWorkflowEngine(wf);
      const start = (question: unknown) =>
        engine.start({ taskId: 't', tenant: 'a', input: { question }, at: 0 });
      expect(() => start('')).toThrow(WorkflowError);
      expect(() => start('x'.repeat(4001))).toThrow(/question/);
      expect(() => start(42)).toThrow(WorkflowError);
      expect(start('x'.repeat(4000)).effects.some((e) => e.kind === 'dispatch')).toBe(true);
    }
  });

  it('ask: one assistant step, with the continued task’s summary as context', () => {
    const d = createEngineDriver(ask, {
      input: { question: 'What is the answer?' },
      thread: 'Earlier we discussed the Guide.',
    });
    expect(d.dispatches()).toMatchObject([
      {
        stepKey: 'answer',
        role: 'assistant',
        input: { question: 'What is the answer?', context: 'Earlier we discussed the Guide.' },
      },
    ]);
    d.succeed('answer', answer);
    expect(d.view.result).toEqual({
      ...answer,
      usage: { inputTokens: 100, outputTokens: 50, costUsd: 0.001 },
    });
  });

  it('rag: a researcher finds, an assistant answers from the numbered findings', () => {
    const d = createEngineDriver(rag, { input: { question: 'Who leads adoption?' } });
    expect(d.dispatches()).toMatchObject([
      {
        stepKey: 'retrieve',
        role: 'researcher',
        input: { question: 'Who leads adoption?', task: { question: 'Who leads adoption?' } },
      },
    ]);
    const research = fx.research('Who leads adoption?', 2);
    d.succeed('retrieve', research);
    const [dispatch] = d.dispatches();
    expect(dispatch).toMatchObject({
      stepKey: 'answer',
      role: 'assistant',
      input: { question: 'Who leads adoption?' },
    });
    const context = (dispatch!.input as { context: string }).context;
    expect(context).toContain(
      `[1] ${research.findings[0]!.citation.title} (${research.findings[0]!.citation.source})`,
    );
    expect(context).toContain('[2] ');
    d.succeed('answer', answer);
    expect(d.view.result).toMatchObject({ answer: 'Forty-two.', findings: research.findings });
  });

  it('extract: a researcher extracts, an analyst analyses the findings', () => {
    const d = createEngineDriver(extract, { input: { question: 'What do teams pay?' } });
    const research = fx.research('What do teams pay?', 3);
    d.succeed('extract', research);
    expect(d.dispatches()).toMatchObject([
      {
        stepKey: 'analyse',
        role: 'analyst',
        input: { question: 'What do teams pay?', findings: research.findings },
      },
    ]);
    d.succeed('analyse', fx.analysis());
    expect(d.view.result).toMatchObject({
      summary: fx.analysis().summary,
      numbers: [{ label: 'adoption 2024', value: 31, unit: '%' }],
    });
  });

  it('tools: one assistant step with room to call tools, passing the allowed tools', () => {
    const d = createEngineDriver(tools, { input: { question: 'What is 6 × 7?', tools: ['calculator'] } });
    expect(d.dispatches()).toMatchObject([
      {
        stepKey: 'act',
        role: 'assistant',
        timeoutMs: 300_000,
        input: { question: 'What is 6 × 7?', tools: ['calculator'] },
      },
    ]);
    d.succeed('act', answer);
    expect(d.status).toBe('completed');
  });

  it('check role outputs on arrival: a malformed answer is an INVALID_OUTPUT attempt', () => {
    const d = createEngineDriver(ask, { input: { question: 'q' } });
    d.succeed('answer', { text: 'no answer field' });
    expect(d.view.steps[0]).toMatchObject({ status: 'pending', error: { code: 'INVALID_OUTPUT' } });
  });
});
