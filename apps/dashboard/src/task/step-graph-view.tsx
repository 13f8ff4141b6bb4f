import type { StepGraphModel } from '../views/step-graph.js';
import { edgePathData, type StepGraphLayout } from '../views/step-graph-layout.js';
import { StepNodeView } from './step-node-view.js';

export interface StepGraphViewProps {
  graph: StepGraphModel;
  layout: StepGraphLayout;
  /** The step whose spans the waterfall singles out. */
  focus: string | undefined;
  onFocus(stepId: string | undefined): void;
}

/**
 * The workflow's steps as laid out by dagre, each coloured by its live (or replayed) state; a click on a step
 * singles out its spans in the waterfall.
 */
export function StepGraphView({ graph, layout, focus, onFocus }: StepGraphViewProps) {
  const edgeState = new Map(graph.edges.map((e) => [`${e.from}\u0000${e.to}`, e.state]));
  return (
    <div className="step-graph" data-testid="step-graph">
      <svg
        viewBox={`0 0 ${Math.max(1, layout.width)} ${Math.max(1, layout.height)}`}
        width={layout.width}
        height={layout.height}
        role="group"
        aria-label="Workflow steps and their state"
      >
        <defs>
          <marker
            id="step-arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" className="step-arrow" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path
            key={`${e.from}->${e.to}`}
            className={`step-edge step-edge-${edgeState.get(`${e.from}\u0000${e.to}`) ?? 'waiting'}`}
            d={edgePathData(e.points)}
            markerEnd="url(#step-arrow)"
          />
        ))}
        {graph.nodes.map((node) => {
          const box = layout.nodes.get(node.id);
          return box ? (
            <StepNodeView
              key={node.id}
              node={node}
              box={box}
              focused={node.id === focus}
              onClick={() => onFocus(node.id === focus ? undefined : node.id)}
            />
          ) : null;
        })}
      </svg>
    </div>
  );
}
