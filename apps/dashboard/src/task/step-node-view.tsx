import type { StepNode } from '../views/step-graph.js';
import type { NodeBox } from '../views/step-graph-layout.js';

const REVIEW_TEXT: Record<NonNullable<StepNode['review']>['state'], string> = {
  awaiting: 'awaiting review',
  approve: 'approved',
  revise: 'revise',
  reject: 'rejected',
};

/** One step: its id and state, its role, and badges for fan-out, retries, round and review. */
export function StepNodeView({
  node,
  box,
  focused,
  onClick,
}: {
  node: StepNode;
  box: NodeBox;
  focused: boolean;
  onClick(): void;
}) {
  const badges: string[] = [];
  if (node.fanOut || node.instances > 1) badges.push(`${node.counts.succeeded}/${node.instances} items`);
  if (node.retries > 0) badges.push(`↻ ${node.retries} ${node.retries === 1 ? 'retry' : 'retries'}`);
  if (node.round > 1) badges.push(`round ${node.round}`);
  if (node.review)
    badges.push(
      `${REVIEW_TEXT[node.review.state]}${node.review.rounds > 0 ? ` · r${node.review.rounds}` : ''}`,
    );
  const title = [
    `${node.id} (${node.role}): ${node.state}`,
    node.description,
    node.keys.length > 0 ? `instances: ${node.keys.join(', ')}` : undefined,
    node.models.length > 0 ? `models: ${node.models.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');
  return (
    <g
      data-testid="step-node"
      data-step-id={node.id}
      data-state={node.state}
      data-review={node.review?.state}
      data-retries={node.retries}
      data-instances={node.instances}
      className={`step-node step-${node.state}${node.review?.state === 'awaiting' ? ' step-awaiting' : ''}${focused ? ' focused' : ''}`}
      transform={`translate(${box.x},${box.y})`}
      role="button"
      tabIndex={0}
      aria-pressed={focused}
      aria-label={`${node.id}: ${node.state}. Show its spans`}
      onClick={onClick}
      onKeyDown={(e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        onClick();
      }}
    >
      <title>{title}</title>
      <rect width={box.width} height={box.height} rx={8} ry={8} />
      <text x={10} y={20} className="step-node-id">
        {node.id}
      </text>
      <text x={box.width - 10} y={20} textAnchor="end" className="step-node-state">
        {node.state}
      </text>
      <text x={10} y={38} className="step-node-role">
        {node.role}
      </text>
      <text x={10} y={55} className="step-node-badges">
        {badges.join('  ')}
      </text>
    </g>
  );
}
