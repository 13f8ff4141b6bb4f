/** How `troupe up` spreads the roles over agent processes: one per role (a few share), or one for all. */
export type AgentLayout = 'per-role' | 'one';
export const AGENT_LAYOUTS: readonly AgentLayout[] = ['per-role', 'one'];
