import type { TraceSpan } from '@troupe/client';
import { useMemo, useState } from 'react';
import { formatCount } from '../lib/format.js';
import { spanDetail, type DetailField } from '../views/span-detail.js';
import { formatClockMs, formatOffset, formatSpanDuration } from '../views/span-time.js';
import type { WaterfallRow } from '../views/waterfall.js';

/** Past the first cut, "show all" still stops here: a megabyte in a <pre> is readable, ten are not. */
const SHOW_ALL_CHARS = 1_000_000;

function Fields({ fields, onShowAll }: { fields: DetailField[]; onShowAll(): void }) {
  return (
    <dl className="detail-fields">
      {fields.map((f) => (
        <div key={f.key}>
          <dt title={f.key}>{f.label}</dt>
          <dd>
            <span className="detail-value">{f.value}</span>
            {f.fullLength !== undefined && (
              <span className="muted detail-cut">
                {' '}
                … {formatCount(f.fullLength)} characters, {formatCount(f.value.length)} shown{' '}
                <button type="button" className="btn btn-ghost btn-small" onClick={onShowAll}>
                  show all
                </button>
              </span>
            )}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The selected span: GenAI facts (model, tokens, cost, tool), timing, errors, events, attributes. */
export function SpanDetailPane({
  span,
  row,
  onClose,
}: {
  span: TraceSpan;
  row: WaterfallRow | undefined;
  onClose(): void;
}) {
  const [full, setFull] = useState(false);
  const detail = useMemo(
    () => spanDetail(span, row, full ? { maxChars: SHOW_ALL_CHARS } : {}),
    [span, row, full],
  );
  const showAll = () => setFull(true);
  return (
    <aside className="span-detail" data-testid="span-detail" aria-label={`Span ${detail.name}`}>
      <div className="span-detail-head">
        <h3 title={detail.name}>{detail.name}</h3>
        <button
          type="button"
          className="btn btn-ghost btn-small"
          onClick={onClose}
          aria-label="Close the span detail"
        >
          ×
        </button>
      </div>
      <p className="muted">
        {detail.service}
        {detail.process && <> · {detail.process}</>} · {detail.kind} ·{' '}
        <span className={`span-status span-status-${detail.status}`}>{detail.status}</span>
      </p>
      {detail.errors.length > 0 && (
        <div className="span-errors" role="note">
          {detail.errors.map((e, i) => (
            <p key={i} className="error-text">
              {e}
            </p>
          ))}
        </div>
      )}
      {detail.genAi.length > 0 && (
        <>
          <h4>GenAI</h4>
          <Fields fields={detail.genAi} onShowAll={showAll} />
        </>
      )}
      <h4>Timing</h4>
      <dl className="detail-fields">
        <div>
          <dt>Started</dt>
          <dd>{formatClockMs(detail.timing.start)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>
            {formatSpanDuration(detail.timing.durationMs)}
            {detail.timing.open && ' so far (still running)'}
          </dd>
        </div>
        {detail.timing.shiftMs !== 0 && (
          <div>
            <dt>Clock</dt>
            <dd>
              shown {formatOffset(detail.timing.shiftMs)} from its recorded time
              {detail.timing.skewMs > 0 &&
                ` (started ${formatSpanDuration(detail.timing.skewMs)} before its parent: clock skew between hosts)`}
            </dd>
          </div>
        )}
        {detail.timing.orphan && (
          <div>
            <dt>Parent</dt>
            <dd>
              <code>{detail.parentSpanId}</code> not received: shown as a root
            </dd>
          </div>
        )}
      </dl>
      {detail.events.length > 0 && (
        <>
          <h4>Events</h4>
          <ol className="span-events">
            {detail.events.map((e, i) => (
              <li key={i}>
                <strong>{e.name}</strong> <span className="muted">{formatOffset(e.offsetMs)}</span>
                {e.attributes.length > 0 && <Fields fields={e.attributes} onShowAll={showAll} />}
              </li>
            ))}
          </ol>
        </>
      )}
      {detail.attributes.length > 0 && (
        <>
          <h4>Attributes</h4>
          <Fields fields={detail.attributes} onShowAll={showAll} />
        </>
      )}
      <p className="muted span-ids">
        span <code>{detail.spanId}</code> · trace <code>{detail.traceId}</code>
      </p>
    </aside>
  );
}
