import { graphlib, layout } from '@dagrejs/dagre';
import type { WorkflowStep } from './step-graph.js';

/**
 * Positions for the step graph, by dagre (left to right: needs before the steps that need them). It depends on
 * the workflow's structure only, so it is computed once per workflow, not on every state change.
 */
export interface NodeBox {
  id: string;
  /** Top-left corner. */
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EdgePath {
  from: string;
  to: string;
  points: Array<{ x: number; y: number }>;
}

export interface StepGraphLayout {
  width: number;
  height: number;
  nodes: Map<string, NodeBox>;
  edges: EdgePath[];
}

export interface LayoutOptions {
  nodeWidth?: number;
  nodeHeight?: number;
  direction?: 'LR' | 'TB';
}

type Shape = Pick<WorkflowStep, 'id' | 'needs'>;

export function layoutStepGraph(steps: readonly Shape[], options: LayoutOptions = {}): StepGraphLayout {
  const width = options.nodeWidth ?? 176;
  const height = options.nodeHeight ?? 64;
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: options.direction ?? 'LR', nodesep: 24, ranksep: 48, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(steps.map((s) => s.id));
  for (const s of steps) g.setNode(s.id, { width, height });
  for (const s of steps) for (const need of s.needs) if (ids.has(need)) g.setEdge(need, s.id);
  layout(g);

  const nodes = new Map<string, NodeBox>();
  for (const id of ids) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    nodes.set(id, { id, x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height });
  }
  const edges: EdgePath[] = g.edges().map((e: { v: string; w: string }) => ({
    from: e.v,
    to: e.w,
    points: ((g.edge(e) as { points?: Array<{ x: number; y: number }> }).points ?? []).map((p) => ({
      x: p.x,
      y: p.y,
    })),
  }));
  const label = g.graph() as { width?: number; height?: number };
  return { width: label.width ?? 0, height: label.height ?? 0, nodes, edges };
}

/** An SVG path through an edge's points. */
export function edgePathData(points: ReadonlyArray<{ x: number; y: number }>): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
