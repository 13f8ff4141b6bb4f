import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { visibleRows, type Waterfall, type WaterfallRow } from '../views/waterfall.js';
import { TimeAxisView } from './time-axis-view.js';
import { WaterfallLegend } from './waterfall-legend.js';
import { ROW_HEIGHT, WaterfallRowView } from './waterfall-row.js';

export interface WaterfallViewProps {
  waterfall: Waterfall;
  axisStart: number;
  axisEnd: number;
  /** The replay time, drawn as a line; undefined when live. */
  cursor: number | undefined;
  /** Distinct spans received (the replayed waterfall may show fewer). */
  spanCount: number;
  selected: string | undefined;
  onSelect(spanId: string | undefined): void;
  /** Rows of other steps are dimmed while a step is singled out; it says which step a row ran for. */
  focus: ((row: WaterfallRow) => boolean) | undefined;
}

/**
 * The trace across processes, one row per span, virtualised: only the rows in view (and a few around) are in
 * the page, so 10,000 spans scroll like 30. Arrow keys move the selection.
 */
export function WaterfallView({
  focus,
  waterfall,
  axisStart,
  axisEnd,
  cursor,
  spanCount,
  selected,
  onSelect,
}: WaterfallViewProps) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(waterfall.rows, collapsed), [waterfall.rows, collapsed]);
  const scroller = useRef<HTMLDivElement>(null);
  // A new function would make the virtualiser measure every row again on each render (10,000 rows).
  const getItemKey = useCallback((i: number) => rows[i]?.spanId ?? i, [rows]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 16,
    getItemKey,
  });

  const toggle = useCallback((spanId: string) => {
    setCollapsed((before) => {
      const next = new Set(before);
      if (!next.delete(spanId)) next.add(spanId);
      return next;
    });
  }, []);
  const select = useCallback((spanId: string) => onSelect(spanId), [onSelect]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      onSelect(undefined);
      return;
    }
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const at = selected === undefined ? -1 : rows.findIndex((r) => r.spanId === selected);
    const next = Math.min(rows.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)));
    const row = rows[next];
    if (!row) return;
    onSelect(row.spanId);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };

  return (
    <section className="waterfall" data-testid="waterfall" aria-label="Trace waterfall">
      <div className="section-head">
        <h2>Trace</h2>
        <span className="muted">
          <span data-testid="span-count">{spanCount}</span> spans
          {waterfall.rows.length !== spanCount && <> · {waterfall.rows.length} at this moment</>}
        </span>
        <WaterfallLegend waterfall={waterfall} />
      </div>
      <TimeAxisView start={axisStart} end={axisEnd} cursor={cursor} />
      <div
        ref={scroller}
        className="waterfall-scroll"
        role="grid"
        aria-rowcount={rows.length}
        tabIndex={0}
        onKeyDown={onKeyDown}
      >
        {rows.length === 0 ? (
          <p className="muted waterfall-empty">
            No spans yet: they appear here as the task's processes record them.
          </p>
        ) : (
          <div className="waterfall-inner" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = rows[item.index];
              if (!row) return null;
              return (
                <WaterfallRowView
                  key={item.key}
                  row={row}
                  top={item.start}
                  axisStart={axisStart}
                  axisEnd={axisEnd}
                  selected={row.spanId === selected}
                  dimmed={focus !== undefined && !focus(row)}
                  collapsed={collapsed.has(row.spanId)}
                  onSelect={select}
                  onToggle={toggle}
                />
              );
            })}
            {cursor !== undefined && axisEnd > axisStart && (
              <div
                className="waterfall-cursor"
                style={{
                  left: `calc(var(--label-width) + (100% - var(--label-width)) * ${(cursor - axisStart) / (axisEnd - axisStart)})`,
                }}
              />
            )}
          </div>
        )}
      </div>
    </section>
  );
}
