import { journal, journalRecords, subjects, TaskEventSchema, type Bus } from '@troupe/bus';
import { isFinalStatus, isTerminalEventType } from '@troupe/client';
import type { TaskRecord } from '@troupe/supervisor';
import type { FastifyReply } from 'fastify';
import { serveLogStream } from './log-stream.js';
import type { SseHub } from './sse.js';

/**
 * Streams a task's events as SSE, read from its journal: `id:` is the event's position, so a client resumes
 * with `Last-Event-ID` and sees neither a repeat nor a gap. Stored events come first, then live ones (an agent's
 * events as they happen, without `id:`, their stored copies then left out; and a model's streamed text,
 * `model.delta`, which is not stored); the stream ends with
 * `event: end` after the final event (or at once for a task that ended before).
 */
export function serveTaskEvents(
  hub: SseHub,
  bus: Bus,
  reply: FastifyReply,
  record: TaskRecord,
  lastEventId: number | undefined,
): Promise<void> {
  return serveLogStream(hub, bus, reply, {
    stream: journal.stream,
    filter: journal.subject({ tenant: record.tenant, taskId: record.taskId }),
    records: journalRecords('events'),
    schema: TaskEventSchema,
    // An agent's events as they happen (stored with the step's result later), and a model's streamed text.
    live: {
      subject: subjects.live(record.taskId),
      schema: TaskEventSchema,
      id: (event) => (event.type === 'model.delta' ? undefined : event.id),
    },
    after: lastEventId,
    frame: (event) => ({ event: event.type, data: event }),
    // Nothing more will come for a final task: what is stored is the whole story.
    mode: isFinalStatus(record.status)
      ? { stored: { status: record.status } }
      : {
          live: (event) =>
            isTerminalEventType(event.type) ? { status: event.type.slice('task.'.length) } : undefined,
        },
  });
}
