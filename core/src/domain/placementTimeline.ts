/**
 * What runs where, as a function of time (CONTRACT §4 "Current", §11). Pure: the definitions
 * from the deployments' own status times, and a replay that turns them into the timeline the
 * store keeps. The store's projection is held equal to these definitions by tests.
 *
 * Per service and environment:
 * - **current** at T: among the deployments reported COMPLETED at or before T and not FAILED by
 *   T, the one completed last (a later completion wins, so a rollback completed after a newer
 *   version is what runs);
 * - **in flight** at T: among the deployments created at or before T that had not yet become
 *   COMPLETED or FAILED by T, the one created last.
 * Ties on time go to the higher id.
 */

/** The times a deployment reached its statuses; each happens at most once. */
export interface StatusTimes {
  id: number;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  verifiedAt: number | null;
  failedAt: number | null;
}

export type PlacementRole = 'current' | 'in_flight';
export const PLACEMENT_ROLES: readonly PlacementRole[] = ['current', 'in_flight'];

/** From `at` on, `deploymentId` holds the role (null: nothing does). */
export interface PlacementChange {
  role: PlacementRole;
  at: number;
  deploymentId: number | null;
}

/** When a deployment stopped being in flight (it became COMPLETED or FAILED), or null. */
export function leftFlightAt(d: StatusTimes): number | null {
  if (d.completedAt !== null && d.failedAt !== null) return Math.min(d.completedAt, d.failedAt);
  return d.completedAt ?? d.failedAt;
}

/** When a completed deployment stopped counting as current by failing, or null. */
function failedAfterCompletionAt(d: StatusTimes): number | null {
  return d.completedAt !== null && d.failedAt !== null && d.failedAt >= d.completedAt ? d.failedAt : null;
}

const isCurrentAt = (d: StatusTimes, t: number) => {
  const failed = failedAfterCompletionAt(d);
  return d.completedAt !== null && d.completedAt <= t && (failed === null || failed > t);
};
const isInFlightAt = (d: StatusTimes, t: number) => {
  const left = leftFlightAt(d);
  return d.createdAt <= t && (left === null || left > t);
};

function newest(deployments: readonly StatusTimes[], keep: (d: StatusTimes) => boolean, time: (d: StatusTimes) => number): StatusTimes | null {
  let best: StatusTimes | null = null;
  for (const d of deployments) {
    if (!keep(d)) continue;
    if (!best || time(d) > time(best) || (time(d) === time(best) && d.id > best.id)) best = d;
  }
  return best;
}

/** The current deployment at `t`, by the definition (a scan: for tests and small sets). */
export function currentAt(deployments: readonly StatusTimes[], t: number): StatusTimes | null {
  return newest(deployments, (d) => isCurrentAt(d, t), (d) => d.completedAt!);
}

/** The deployment in flight at `t`, by the definition (a scan: for tests and small sets). */
export function inFlightAt(deployments: readonly StatusTimes[], t: number): StatusTimes | null {
  return newest(deployments, (d) => isInFlightAt(d, t), (d) => d.createdAt);
}

/** The status a deployment had at `t` and since when; null before it was created. */
export function statusAt(d: StatusTimes, t: number): { status: 'CREATED' | 'STARTED' | 'COMPLETED' | 'VERIFIED' | 'FAILED'; since: number } | null {
  if (d.createdAt > t) return null;
  let found: { status: 'CREATED' | 'STARTED' | 'COMPLETED' | 'VERIFIED' | 'FAILED'; since: number } = { status: 'CREATED', since: d.createdAt };
  const steps = [
    ['STARTED', d.startedAt],
    ['COMPLETED', d.completedAt],
    ['VERIFIED', d.verifiedAt],
    ['FAILED', d.failedAt],
  ] as const;
  for (const [status, at] of steps) {
    if (at !== null && at <= t && at >= found.since) found = { status, since: at };
  }
  return found;
}

/**
 * The timeline of one service in one environment: a change each time the current or the
 * in-flight deployment became another (or none), oldest first, at most one per role and time.
 * What the store writes as changes happen, rebuilt from the status times alone (the migration
 * fills the projection with it).
 */
export function replayTimeline(deployments: readonly StatusTimes[]): PlacementChange[] {
  const times = new Set<number>();
  for (const d of deployments) {
    for (const t of [d.createdAt, d.completedAt, d.failedAt]) if (t !== null) times.add(t);
  }
  const changes: PlacementChange[] = [];
  const holders: Record<PlacementRole, Holder> = {
    current: new Holder((d) => [d.completedAt, failedAfterCompletionAt(d)], (d) => d.completedAt!),
    in_flight: new Holder((d) => [d.createdAt, leftFlightAt(d)], (d) => d.createdAt),
  };
  for (const d of deployments) for (const holder of Object.values(holders)) holder.schedule(d);
  for (const t of [...times].sort((a, b) => a - b)) {
    for (const role of PLACEMENT_ROLES) {
      const holder = holders[role];
      const before = holder.top();
      holder.advanceTo(t);
      const after = holder.top();
      if ((before?.id ?? null) !== (after?.id ?? null)) changes.push({ role, at: t, deploymentId: after?.id ?? null });
    }
  }
  return changes;
}

/**
 * The deployments holding a role over time: each enters at its start time and leaves at its end
 * time (if any); the holder is the one with the greatest rank. A max-heap with lazy removal.
 */
class Holder {
  private readonly entering: Array<{ at: number; d: StatusTimes }> = [];
  private readonly leaving = new Map<number, number>();
  private readonly heap: StatusTimes[] = [];
  private next = 0;
  private sorted = false;

  constructor(
    private readonly span: (d: StatusTimes) => [start: number | null, end: number | null],
    private readonly rank: (d: StatusTimes) => number,
  ) {}

  schedule(d: StatusTimes): void {
    const [start, end] = this.span(d);
    if (start === null || (end !== null && end <= start)) return;
    this.entering.push({ at: start, d });
    if (end !== null) this.leaving.set(d.id, end);
  }

  private now = -Infinity;

  advanceTo(t: number): void {
    if (!this.sorted) {
      this.entering.sort((a, b) => a.at - b.at);
      this.sorted = true;
    }
    this.now = t;
    while (this.next < this.entering.length && this.entering[this.next]!.at <= t) this.push(this.entering[this.next++]!.d);
  }

  top(): StatusTimes | null {
    while (this.heap.length > 0) {
      const end = this.leaving.get(this.heap[0]!.id);
      if (end === undefined || end > this.now) return this.heap[0]!;
      this.pop();
    }
    return null;
  }

  private before(a: StatusTimes, b: StatusTimes): boolean {
    const ra = this.rank(a);
    const rb = this.rank(b);
    return ra > rb || (ra === rb && a.id > b.id);
  }

  private push(d: StatusTimes): void {
    const heap = this.heap;
    heap.push(d);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < heap.length && this.before(heap[left]!, heap[best]!)) best = left;
      if (right < heap.length && this.before(heap[right]!, heap[best]!)) best = right;
      if (best === i) return;
      [heap[i], heap[best]] = [heap[best]!, heap[i]!];
      i = best;
    }
  }
}

/** The status times of a deployment row (milliseconds), for the rules above. */
export function statusTimesOf(row: {
  id: number;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  verifiedAt: Date | null;
  failedAt: Date | null;
}): StatusTimes {
  const ms = (d: Date | null) => (d === null ? null : d.getTime());
  return {
    id: row.id,
    createdAt: row.createdAt.getTime(),
    startedAt: ms(row.startedAt),
    completedAt: ms(row.completedAt),
    verifiedAt: ms(row.verifiedAt),
    failedAt: ms(row.failedAt),
  };
}
