import { Writable } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { initTelemetry, type Telemetry } from './init-telemetry.js';
import { createLogger } from './logger.js';
import { withAgentSpan } from './span-helpers.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

let telemetry: Telemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  telemetry = undefined;
});

describe('createLogger', () => {
  it('writes JSON lines carrying trace_id and span_id of the active span', async () => {
    telemetry = initTelemetry({
      serviceName: 'logs',
      env: {},
      spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })],
    });
    const out = capture();
    const log = createLogger({ name: 'agent', destination: out.stream });
    log.info('outside');
    let ids: { traceId: string; spanId: string } | undefined;
    await withAgentSpan(
      { role: 'researcher', agentId: 'a1', taskId: 't1', stepId: 's1', attempt: 1 },
      async (span) => {
        ids = span.spanContext();
        await Promise.resolve();
        log.child({ taskId: 't1' }).info({ step: 's1' }, 'inside');
      },
    );

    const [outside, inside] = out.json();
    expect(outside).toMatchObject({ level: 30, name: 'agent', msg: 'outside' });
    expect(outside).not.toHaveProperty('trace_id');
    expect(inside).toMatchObject({
      msg: 'inside',
      taskId: 't1',
      step: 's1',
      trace_id: ids?.traceId,
      span_id: ids?.spanId,
      trace_flags: '01',
    });
  });

  it('redacts secrets by path and by value, without touching the caller’s objects', () => {
    const out = capture();
    const log = createLogger({ name: 'api', destination: out.stream, level: 'debug' });
    const request = {
      method: 'POST',
      url: '/v1/tasks',
      headers: {
        authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.payload',
        'x-api-key': 'tk-live-0123456789',
        accept: 'json',
      },
    };
    log.info(
      { req: { headers: request.headers }, headers: request.headers },
      'calling openai with sk-proj-ABCDEFGHIJKLMNOP1234',
    );
    log.debug(
      {
        provider: { apiKey: 'sk-ant-secret-value-1234567890', baseUrl: 'http://localhost' },
        password: 'hunter2',
      },
      'config',
    );
    log.info(
      {
        nats: {
          creds: '-----BEGIN NATS USER JWT-----',
          nkeySeed: 'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4',
        },
      },
      'connect',
    );
    log.warn('retrying with %s', 'Bearer abcdefghijklmnopqrstuvwxyz');
    log.error({ err: new Error('401 for key sk-abcdefghijklmnopqrstuv') }, 'model call failed');
    log.info({ note: 'user pasted sk-abcdefghijklmnopqrstuv here' }, 'field scrub');

    const text = out.lines.join('\n');
    for (const secret of [
      'eyJhbGciOiJIUzI1NiJ9',
      'tk-live-0123456789',
      'ABCDEFGHIJKLMNOP1234',
      'sk-ant-secret-value',
      'hunter2',
      'BEGIN NATS USER JWT',
      'SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4',
      'abcdefghijklmnopqrstuv',
    ]) {
      expect(text).not.toContain(secret);
    }
    const [first, second, third, fourth, fifth, sixth] = out.json();
    expect(first).toMatchObject({
      msg: 'calling openai with sk-[REDACTED]',
      req: { headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]', accept: 'json' } },
      headers: { authorization: '[REDACTED]', 'x-api-key': '[REDACTED]' },
    });
    expect(second).toMatchObject({
      provider: { apiKey: '[REDACTED]', baseUrl: 'http://localhost' },
      password: '[REDACTED]',
    });
    expect(third).toMatchObject({ nats: { creds: '[REDACTED]', nkeySeed: '[REDACTED]' } });
    expect(fourth?.['msg']).toBe('retrying with Bearer [REDACTED]');
    expect((fifth?.['err'] as { message: string }).message).toBe('401 for key sk-[REDACTED]');
    expect(sixth?.['note']).toBe('user pasted sk-[REDACTED] here');
    // The caller's request object is left as it was.
    expect(request.headers.authorization).toBe('Bearer eyJhbGciOiJIUzI1NiJ9.payload');
  });

  it('writes readable lines with pretty: true', () => {
    const out = capture();
    const log = createLogger({ name: 'cli', destination: out.stream, pretty: true });
    log.info({ taskId: 't1' }, 'task accepted with sk-abcdefghijklmnopqrst');
    const text = out.lines.join('\n');
    expect(text).toContain('INFO');
    expect(text).toContain('(cli)');
    expect(text).toContain('task accepted with sk-[REDACTED]');
    expect(() => JSON.parse(out.lines[0]!)).toThrow();
  });

  it('honours the level and names a bad option', () => {
    const out = capture();
    const log = createLogger({ name: 'quiet', destination: out.stream, level: 'warn' });
    log.info('dropped');
    log.warn('kept');
    expect(out.json().map((l) => l['msg'])).toEqual(['kept']);
    expect(() => createLogger({ name: 'x', level: 'loud' as 'info' })).toThrow(
      /createLogger: option "level"/,
    );
  });
});

it('accepts process.env itself as env (not a plain object)', () => {
  expect(() => createLogger({ name: 'env-check', env: process.env })).not.toThrow();
});
