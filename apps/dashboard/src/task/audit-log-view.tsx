import type { AuditEntry } from '@troupe/client';
import { useState } from 'react';
import { formatTokens, formatUsd } from '../lib/format.js';
import { displayValue } from '../views/span-detail.js';
import { formatClockMs, formatSpanDuration } from '../views/span-time.js';

/** The most recent records shown until a person asks for all. */
const RECENT = 300;

function AuditRow({ record }: { record: AuditEntry }) {
  const [open, setOpen] = useState(false);
  const hasData = Object.keys(record.data).length > 0;
  return (
    <>
      <tr
        data-testid="audit-row"
        data-type={record.type}
        className={record.error ? 'failed' : undefined}
        onClick={() => hasData && setOpen(!open)}
        aria-expanded={hasData ? open : undefined}
      >
        <td className="mono">{formatClockMs(record.at)}</td>
        <td>{record.type}</td>
        <td>{record.decision ?? ''}</td>
        <td className="mono">
          {record.stepKey ?? ''}
          {record.attempt !== undefined ? ` #${record.attempt}` : ''}
        </td>
        <td>{record.actor}</td>
        <td>{record.model ?? ''}</td>
        <td className="num">
          {record.tokens ? formatTokens(record.tokens.input + record.tokens.output) : ''}
        </td>
        <td className="num">{record.costUsd !== undefined ? formatUsd(record.costUsd) : ''}</td>
        <td className="num">
          {record.durationMs !== undefined ? formatSpanDuration(record.durationMs) : ''}
        </td>
        <td className="error-text">{record.error ?? ''}</td>
      </tr>
      {open && (
        <tr className="audit-data">
          <td colSpan={10}>
            <pre>{displayValue(record.data, 20_000).text}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

/** Every decision the supervisors and agents recorded for the task, oldest first; a row opens its data. */
export function AuditLogView({
  records,
  error,
}: {
  records: readonly AuditEntry[];
  error: string | undefined;
}) {
  const [all, setAll] = useState(false);
  const shown = all || records.length <= RECENT ? records : records.slice(records.length - RECENT);
  return (
    <section className="audit-log" data-testid="audit-log" aria-label="Audit log">
      <div className="section-head">
        <h2>Audit log</h2>
        <span className="muted">{records.length} records</span>
        {shown.length < records.length && (
          <button type="button" className="btn btn-small" onClick={() => setAll(true)}>
            show all {records.length}
          </button>
        )}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap">
        <table className="data">
          <thead>
            <tr>
              <th>Time</th>
              <th>Type</th>
              <th>Decision</th>
              <th>Step</th>
              <th>Actor</th>
              <th>Model</th>
              <th className="num">Tokens</th>
              <th className="num">Cost</th>
              <th className="num">Took</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <AuditRow key={r.seq} record={r} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
