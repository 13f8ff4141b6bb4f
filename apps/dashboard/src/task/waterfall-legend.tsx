import type { Waterfall } from '../views/waterfall.js';

/** What the colours mean (role or service), with counts, and what is odd about the trace. */
export function WaterfallLegend({ waterfall }: { waterfall: Waterfall }) {
  return (
    <div className="waterfall-legend">
      {waterfall.legend.map((entry) => (
        <span key={entry.key} className="legend-entry">
          <span className="span-swatch" style={{ background: entry.colour }} />
          {entry.key} <span className="muted">{entry.count}</span>
        </span>
      ))}
      {waterfall.openCount > 0 && <span className="legend-note">{waterfall.openCount} running</span>}
      {waterfall.errorCount > 0 && (
        <span className="legend-note error-text">{waterfall.errorCount} failed</span>
      )}
      {waterfall.orphanCount > 0 && (
        <span className="legend-note" title="Spans whose parent span never arrived, shown as roots">
          {waterfall.orphanCount} orphan
        </span>
      )}
      {waterfall.skewedCount > 0 && (
        <span
          className="legend-note"
          title="Spans that started before their parent (clock skew between hosts), moved to the parent's start"
        >
          {waterfall.skewedCount} skewed
        </span>
      )}
    </div>
  );
}
