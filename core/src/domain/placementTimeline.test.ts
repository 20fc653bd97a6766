import { describe, expect, it } from 'vitest';
import { currentAt, inFlightAt, replayTimeline, statusAt, type PlacementChange, type PlacementRole, type StatusTimes } from './placementTimeline.js';

const d = (id: number, createdAt: number, times: Partial<Omit<StatusTimes, 'id' | 'createdAt'>> = {}): StatusTimes => ({
  id,
  createdAt,
  startedAt: null,
  completedAt: null,
  verifiedAt: null,
  failedAt: null,
  ...times,
});

/** The holder of a role at `t` by a timeline: its latest change at or before `t`. */
function holderBy(changes: readonly PlacementChange[], role: PlacementRole, t: number): number | null {
  let holder: number | null = null;
  for (const change of changes) if (change.role === role && change.at <= t) holder = change.deploymentId;
  return holder;
}

describe('what runs where, by definition', () => {
  it('current: the latest completion still standing wins, even of an older deployment', () => {
    const newer = d(2, 20, { completedAt: 30 });
    const older = d(1, 10, { completedAt: 40 });
    expect(currentAt([newer, older], 35)?.id).toBe(2);
    expect(currentAt([newer, older], 40)?.id).toBe(1);
    expect(currentAt([newer, older], 29)).toBeNull();
  });

  it('current: a completed deployment that fails hands back to the previous one', () => {
    const first = d(1, 0, { completedAt: 10, verifiedAt: 10 });
    const second = d(2, 20, { completedAt: 30, failedAt: 50 });
    expect(currentAt([first, second], 49)?.id).toBe(2);
    expect(currentAt([first, second], 50)?.id).toBe(1);
  });

  it('in flight: the newest created not yet COMPLETED or FAILED; failing before completing only leaves flight', () => {
    const stale = d(1, 0);
    const a = d(2, 10, { startedAt: 15, completedAt: 20 });
    const b = d(3, 30, { failedAt: 35 });
    expect(inFlightAt([stale, a, b], 12)?.id).toBe(2);
    expect(inFlightAt([stale, a, b], 20)?.id).toBe(1);
    expect(inFlightAt([stale, a, b], 31)?.id).toBe(3);
    expect(inFlightAt([stale, a, b], 35)?.id).toBe(1);
    expect(currentAt([b], 40)).toBeNull();
  });

  it('status at a time, and since when', () => {
    const row = d(1, 10, { startedAt: 20, completedAt: 30, verifiedAt: 40 });
    expect(statusAt(row, 5)).toBeNull();
    expect(statusAt(row, 10)).toEqual({ status: 'CREATED', since: 10 });
    expect(statusAt(row, 25)).toEqual({ status: 'STARTED', since: 20 });
    expect(statusAt(row, 30)).toEqual({ status: 'COMPLETED', since: 30 });
    expect(statusAt(row, 99)).toEqual({ status: 'VERIFIED', since: 40 });
    expect(statusAt(d(2, 0, { completedAt: 5, failedAt: 9 }), 9)).toEqual({ status: 'FAILED', since: 9 });
  });
});

describe('replayTimeline', () => {
  it('has a change exactly where the holder changes, at most one per role and time', () => {
    const changes = replayTimeline([d(1, 0, { completedAt: 10 }), d(2, 10, { completedAt: 20, failedAt: 30 })]);
    expect(changes).toEqual([
      { role: 'in_flight', at: 0, deploymentId: 1 },
      { role: 'current', at: 10, deploymentId: 1 },
      { role: 'in_flight', at: 10, deploymentId: 2 },
      { role: 'current', at: 20, deploymentId: 2 },
      { role: 'in_flight', at: 20, deploymentId: null },
      { role: 'current', at: 30, deploymentId: 1 },
    ]);
  });

  it('records no flight for a deployment created COMPLETED', () => {
    expect(replayTimeline([d(1, 5, { completedAt: 5 })])).toEqual([{ role: 'current', at: 5, deploymentId: 1 }]);
  });

  it('agrees with the definitions at every moment, over random histories', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const deployments: StatusTimes[] = [];
      const count = 1 + Math.floor(random() * 12);
      for (let id = 1; id <= count; id++) {
        const created = Math.floor(random() * 50);
        const times: Partial<StatusTimes> = {};
        const fate = random();
        const completedAt = fate < 0.6 ? created + Math.floor(random() * 20) : undefined;
        if (completedAt !== undefined) times.completedAt = completedAt;
        if (fate < 0.15 && completedAt !== undefined) times.failedAt = completedAt + Math.floor(random() * 20);
        else if (fate > 0.85) times.failedAt = created + Math.floor(random() * 10);
        if (random() < 0.3) times.startedAt = created;
        deployments.push(d(id * 7 % 13 + id * 13, created, times));
      }
      const changes = replayTimeline(deployments);
      for (let t = -1; t <= 100; t++) {
        expect(holderBy(changes, 'current', t), `round ${round} current at ${t}`).toBe(currentAt(deployments, t)?.id ?? null);
        expect(holderBy(changes, 'in_flight', t), `round ${round} in flight at ${t}`).toBe(inFlightAt(deployments, t)?.id ?? null);
      }
      const keys = changes.map((c) => `${c.role}@${c.at}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});
