import { isFinalStatus } from '@troupe/client';
import { useCallback, useState } from 'react';
import { finalEventTime } from '../views/replay.js';
import { AuditLogView } from './audit-log-view.js';
import { ReplayBar } from './replay-bar.js';
import { ResultSection } from './result-section.js';
import { ReviewPanel } from './review-panel.js';
import { SpanDetailPane } from './span-detail-pane.js';
import { StepGraphView } from './step-graph-view.js';
import { TaskHeader } from './task-header.js';
import { useAuditLog } from './use-audit-log.js';
import { useReplayTime } from './use-replay-time.js';
import { useTaskLive } from './use-task-live.js';
import { useTaskResult } from './use-task-result.js';
import { useTaskViews } from './use-task-views.js';
import { useTicker } from './use-ticker.js';
import { WaterfallView } from './waterfall-view.js';
import './task.css';

/** `#/tasks/<id>`: one task followed live across its processes, and replayed afterwards (`?t=`). */
export function TaskPage({ id }: { id: string }) {
  return <TaskView key={id} id={id} />;
}

function TaskView({ id }: { id: string }) {
  const live = useTaskLive(id);
  const { task, events, spans, spanVersion, openSpans } = live;
  const final = task !== undefined && isFinalStatus(task.status);
  const endedAt = final ? (finalEventTime(events) ?? task.updatedAt) : undefined;
  const now = useTicker(final ? null : 1_000);
  const { t, setT } = useReplayTime(id);
  const replaying = t !== undefined;
  const audit = useAuditLog(id, events.length);
  const taskResult = useTaskResult(task);
  const [selected, setSelected] = useState<string>();
  const [focusStep, setFocusStep] = useState<string>();

  const { layout, waterfall, liveGraph, range, frame, focus } = useTaskViews({
    task,
    workflows: live.workflows,
    events,
    spans,
    spanVersion,
    openSpans,
    endedAt,
    now,
    t,
    focusStep,
  });

  const shownWaterfall = frame?.waterfall ?? waterfall;
  const selectedSpan = selected === undefined ? undefined : spans.get(selected);
  const selectedIndex = selected === undefined ? undefined : shownWaterfall.index.get(selected);
  const selectedRow = selectedIndex === undefined ? undefined : shownWaterfall.rows[selectedIndex];
  const select = useCallback((spanId: string | undefined) => setSelected(spanId), []);

  if (!task) {
    return (
      <div className="task-page">
        {live.loadError ? (
          <p className="banner banner-error" role="alert" data-testid="task-load-error">
            Task <code>{id}</code>: {live.loadError}
          </p>
        ) : (
          <p className="muted">Loading task {id}…</p>
        )}
      </div>
    );
  }

  return (
    <div className={`task-page${replaying ? ' replaying' : ''}`}>
      <TaskHeader task={task} endedAt={endedAt} now={now} onChanged={live.refresh} />
      {(live.loadError || live.streamError) && (
        <p className="error-text" role="alert">
          {live.streamError ?? live.loadError}
        </p>
      )}
      {task.status === 'awaiting_review' && (
        <ReviewPanel key={task.review?.pending?.since ?? 0} task={task} now={now} onDecided={live.refresh} />
      )}
      <ReplayBar range={range} t={t} onChange={setT} />
      {frame && (
        <p className="replay-note" role="status">
          Replaying: the task was{' '}
          <strong data-testid="replay-status">{frame.status.replace('_', ' ')}</strong> at this moment;{' '}
          {frame.waterfall.rows.length} of {waterfall.rows.length} spans had started.
        </p>
      )}
      <section className="task-steps" aria-label="Steps">
        <div className="section-head">
          <h2>Steps</h2>
          {focusStep === undefined ? (
            <span className="muted">Click a step to single out its spans.</span>
          ) : (
            <span>
              Spans of step <code>{focusStep}</code>{' '}
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => setFocusStep(undefined)}
              >
                show all
              </button>
            </span>
          )}
        </div>
        <StepGraphView
          graph={frame?.graph ?? liveGraph}
          layout={layout}
          focus={focusStep}
          onFocus={setFocusStep}
        />
      </section>
      <div className={`task-trace${selectedSpan ? ' with-detail' : ''}`}>
        <WaterfallView
          waterfall={shownWaterfall}
          axisStart={range.start}
          axisEnd={range.end}
          cursor={frame?.t}
          spanCount={spans.size}
          selected={selected}
          onSelect={select}
          focus={focus}
        />
        {selectedSpan && (
          <SpanDetailPane span={selectedSpan} row={selectedRow} onClose={() => setSelected(undefined)} />
        )}
      </div>
      {final && (
        <ResultSection
          task={task}
          result={taskResult.result}
          error={taskResult.error}
          onRetry={taskResult.retry}
        />
      )}
      <AuditLogView records={audit.records} error={audit.error} />
    </div>
  );
}
