import { formatTable, type Cell } from './report.js';
import { round, summarise } from './stats.js';
import type { LoneMessage, Timeline } from './timeline-recorder.js';

/**
 * Where a hop's time goes, from Troupe's timeline marks (`troupe:timeline` diagnostics channel) in every
 * process, for messages handled alone (the closed loop of section 2).
 */
export interface HopTimeline {
  /**
   * Inside the supervisor, for a step's result: p50 ms after it reached the handler of each phase
   * (decoded → transitioned → recorded → effects-sent → handled); `wire` = stored by the server → handler.
   */
  supervisor: Record<string, number>;
  /** Inside an agent, for an assignment (median of the four agents): decoded → executed → result-sent → handled. */
  agent: Record<string, number>;
  /** The legs of a hop in sequence, across processes and the server: p50 / p90 / p99 ms. */
  legs: Record<HopLeg, { n: number; p50: number; p90: number; p99: number }>;
}

export const HOP_LEGS = [
  'supervisor: result → assignment handed to the connection',
  'assignment: handed over → stored by the server',
  'assignment: stored → agent handler',
  'agent: handler → result handed to the connection',
  'result: handed over → stored by the server',
  'result: stored → supervisor handler',
] as const;
export type HopLeg = (typeof HOP_LEGS)[number];

/** Server and process clocks are the same machine's; this absorbs the rounding of `performance.timeOrigin`. */
const CLOCK_SLACK_MS = 0.1;

const median = (xs: number[]) => summarise(xs).p50;

function medianByPhase(timelines: ReadonlyArray<Record<string, number> | undefined>): Record<string, number> {
  const phases = new Set(timelines.flatMap((t) => Object.keys(t ?? {})));
  return Object.fromEntries(
    [...phases].map((phase) => [
      phase,
      round(median(timelines.flatMap((t) => (t?.[phase] === undefined ? [] : [t[phase]]))), 3),
    ]),
  );
}

/**
 * Puts each assignment an agent handled alone between the supervisor message whose handling sent it and
 * the result message the supervisor then received for the same task.
 */
function legsOf(supervisor: readonly LoneMessage[], agents: readonly LoneMessage[]): HopTimeline['legs'] {
  const samples = new Map<HopLeg, number[]>(HOP_LEGS.map((leg) => [leg, []]));
  const add = (leg: HopLeg, ms: number) => samples.get(leg)!.push(ms);
  const byTask = new Map<string, LoneMessage[]>();
  for (const m of supervisor) {
    if (m.taskId === undefined) continue;
    const theirs = byTask.get(m.taskId) ?? [];
    theirs.push(m);
    byTask.set(m.taskId, theirs);
  }
  for (const a of agents) {
    if (a.taskId === undefined || a.storedAt === undefined || a.sentAt === undefined) continue;
    const theirs = byTask.get(a.taskId) ?? [];
    const storedAt = a.storedAt;
    const sentAt = a.sentAt;
    const dispatcher = theirs
      .filter((m) => m.sentAt !== undefined && m.sentAt <= storedAt + CLOCK_SLACK_MS)
      .sort((x, y) => y.sentAt! - x.sentAt!)[0];
    if (dispatcher) add('assignment: handed over → stored by the server', storedAt - dispatcher.sentAt!);
    add('assignment: stored → agent handler', a.receivedAt - storedAt);
    add('agent: handler → result handed to the connection', sentAt - a.receivedAt);
    const result = theirs
      .filter(
        (m) =>
          m.group === 'troupe.result' && m.storedAt !== undefined && m.storedAt >= sentAt - CLOCK_SLACK_MS,
      )
      .sort((x, y) => x.storedAt! - y.storedAt!)[0];
    if (!result) continue;
    add('result: handed over → stored by the server', result.storedAt! - sentAt);
    add('result: stored → supervisor handler', result.receivedAt - result.storedAt!);
    if (result.sentAt !== undefined)
      add('supervisor: result → assignment handed to the connection', result.sentAt - result.receivedAt);
  }
  return Object.fromEntries(
    HOP_LEGS.map((leg) => {
      const s = summarise(samples.get(leg)!);
      return [leg, { n: s.n, p50: s.p50, p90: s.p90, p99: s.p99 }];
    }),
  ) as HopTimeline['legs'];
}

/** The timeline of one pipeline's closed loop from every process's recorder. */
export function hopTimelineOf(
  timelines: ReadonlyArray<{ timeline: Timeline; supervisor: boolean }>,
  workSubjects: readonly string[],
): HopTimeline {
  const supervisors = timelines.filter((t) => t.supervisor).map((t) => t.timeline);
  const agents = timelines.filter((t) => !t.supervisor).map((t) => t.timeline);
  const work = new Set(workSubjects);
  return {
    supervisor: medianByPhase(supervisors.map((t) => t.phases['troupe.result'])),
    agent: medianByPhase(workSubjects.flatMap((subject) => agents.map((t) => t.phases[subject]))),
    legs: legsOf(
      supervisors.flatMap((t) => t.messages),
      agents.flatMap((t) => t.messages.filter((m) => work.has(m.group))),
    ),
  };
}

type Flavours = ReadonlyArray<readonly [string, HopTimeline]>;

/** Section 2b: the phases inside the supervisor and the agents (p50). */
export function hopPhasesTable(flavours: Flavours): { headers: string[]; rows: Cell[][] } {
  return {
    headers: [
      'agents',
      'message',
      'wire (stored → handler)',
      'decoded',
      'transitioned / executed',
      'recorded',
      'assignment / result sent',
      'handled (acks in)',
    ],
    rows: flavours.flatMap(([agents, t]) => [
      [
        agents,
        'supervisor: result → next assignment',
        t.supervisor['wire'],
        t.supervisor['decoded'],
        t.supervisor['transitioned'],
        t.supervisor['recorded'],
        t.supervisor['effects-sent'],
        t.supervisor['handled'],
      ],
      [
        agents,
        'agent: assignment → result',
        t.agent['wire'],
        t.agent['decoded'],
        t.agent['executed'],
        undefined,
        t.agent['result-sent'],
        t.agent['handled'],
      ],
    ]),
  };
}

/** Section 2c: a hop's legs in sequence, with their tails. */
export function hopLegsTable(flavours: Flavours): { headers: string[]; rows: Cell[][] } {
  return {
    headers: ['leg', ...flavours.flatMap(([agents]) => [`${agents} p50`, 'p90', 'p99'])],
    rows: HOP_LEGS.map((leg) => [
      leg,
      ...flavours.flatMap(([, t]) => [t.legs[leg].p50, t.legs[leg].p90, t.legs[leg].p99]),
    ]),
  };
}

/** Tables 2b and 2c for runAgent and the bare host, under the given titles. */
export function formatHopTimeline(
  hop: { offline: { timeline: HopTimeline }; raw: { timeline: HopTimeline } },
  titles: { phases: string; legs: string },
): string[] {
  const flavours = [
    ['runAgent', hop.offline.timeline],
    ['bare host', hop.raw.timeline],
  ] as const;
  const phases = hopPhasesTable(flavours);
  const legs = hopLegsTable(flavours);
  return [
    formatTable(titles.phases, phases.headers, phases.rows),
    formatTable(titles.legs, legs.headers, legs.rows),
  ];
}
