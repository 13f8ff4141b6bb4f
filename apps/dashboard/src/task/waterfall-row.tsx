import { memo, type CSSProperties } from 'react';
import { fractionOf } from '../views/time-axis.js';
import { formatSpanDuration } from '../views/span-time.js';
import type { WaterfallRow } from '../views/waterfall.js';

export const ROW_HEIGHT = 24;
const INDENT_PX = 12;
/** Deeper spans stop indenting (a chain of thousands must not push its name off screen). */
const MAX_INDENT_DEPTH = 24;

export interface WaterfallRowProps {
  row: WaterfallRow;
  top: number;
  axisStart: number;
  axisEnd: number;
  selected: boolean;
  dimmed: boolean;
  collapsed: boolean;
  onSelect(spanId: string): void;
  onToggle(spanId: string): void;
}

/** One span: its name indented by depth, its service, and its bar on the task's time axis. */
export const WaterfallRowView = memo(function WaterfallRowView({
  row,
  top,
  axisStart,
  axisEnd,
  selected,
  dimmed,
  collapsed,
  onSelect,
  onToggle,
}: WaterfallRowProps) {
  const left = fractionOf(row.start, axisStart, axisEnd);
  const right = fractionOf(row.end, axisStart, axisEnd);
  const width = Math.max(0, right - left);
  const label: CSSProperties =
    right > 0.8 ? { right: `calc(${(1 - left) * 100}% + 4px)` } : { left: `calc(${right * 100}% + 4px)` };
  const notes = [
    row.open ? 'still running' : undefined,
    row.orphan ? 'its parent span was not received' : undefined,
    row.skewMs > 0
      ? `started ${formatSpanDuration(row.skewMs)} before its parent: clock skew, moved`
      : undefined,
  ].filter(Boolean);
  return (
    <div
      data-testid="span-row"
      data-span-id={row.spanId}
      data-service={row.span.service}
      data-open={row.open ? 'true' : 'false'}
      role="row"
      aria-selected={selected}
      className={`span-row${selected ? ' selected' : ''}${row.error ? ' failed' : ''}${dimmed ? ' dimmed' : ''}`}
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT }}
      onClick={() => onSelect(row.spanId)}
    >
      <div
        role="gridcell"
        className="span-label"
        style={{ paddingLeft: Math.min(row.depth, MAX_INDENT_DEPTH) * INDENT_PX }}
      >
        {row.childCount > 0 ? (
          <button
            type="button"
            className="span-toggle"
            aria-expanded={!collapsed}
            aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${row.childCount} child spans`}
            onClick={(e) => {
              e.stopPropagation();
              onToggle(row.spanId);
            }}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="span-toggle" />
        )}
        <span className="span-swatch" style={{ background: row.colour }} />
        <span className="span-name" title={row.span.name}>
          {row.span.name}
        </span>
        <span className="span-service">{row.span.service}</span>
        {row.orphan && (
          <span className="span-flag" title={notes.join('; ')}>
            orphan
          </span>
        )}
        {row.skewMs > 0 && (
          <span className="span-flag" title={notes.join('; ')}>
            skew
          </span>
        )}
      </div>
      <div role="gridcell" className="span-track" title={notes.join('; ') || undefined}>
        <div
          className={`span-bar${row.open ? ' open' : ''}${row.error ? ' error' : ''}`}
          style={{ left: `${left * 100}%`, width: `max(2px, ${width * 100}%)`, background: row.colour }}
        />
        <span className="span-duration" style={label}>
          {formatSpanDuration(row.end - row.start)}
          {row.open ? '…' : ''}
        </span>
      </div>
    </div>
  );
});
