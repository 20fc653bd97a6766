/**
 * The figures of one chaos run, printed for people (aligned lines) and as one JSON line for
 * tools (`CHAOS {...}`).
 */
import type { CheckResults } from './checks.js';
import type { KillFigures } from './faults.js';
import type { LoadFigures } from './load.js';

export interface ChaosFigures {
  bus: string;
  seconds: number;
  rate: number;
  load: LoadFigures;
  kills: KillFigures;
  recoverySeconds: number | null;
  outage: string;
  webhookOutage: { seconds: number; refused: number };
  quiescentAfterSeconds: number;
  cleanStops: string;
  checks: CheckResults;
}

export function lostTotal(checks: CheckResults): number {
  return Object.values(checks.lost).reduce((a, b) => a + b, 0);
}

export function doubledTotal(checks: CheckResults): number {
  return Object.values(checks.doubled).reduce((a, b) => a + b, 0);
}

/** Median and largest of some seconds. */
function spread(values: number[]): string {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} s, max ${sorted.at(-1)!.toFixed(1)} s`;
}

export function printChaosReport(f: ChaosFigures): void {
  const serverErrors = Object.entries(f.load.byStatus)
    .filter(([status]) => Number(status) >= 500)
    .reduce((sum, [, n]) => sum + n, 0);
  const lines: Array<[string, string | number]> = [
    ['bus', f.bus],
    ['load', `${f.seconds} s at ${f.rate} actions/s over 3 instances`],
    ['requests made', f.load.requests],
    ['answers by status', JSON.stringify(f.load.byStatus)],
    ['5xx', serverErrors],
    ['unanswered (instance killed)', `${f.load.unanswered} ${JSON.stringify(f.load.unansweredBy)}`],
    ['registrations 201 / by trigger', `${f.load.registered.length} / ${f.load.registeredByTrigger.length}`],
    ['steps sent to two instances', f.load.doubledSteps],
    ['flows finished by the load', f.load.flowsFinished],
    ['kills (SIGKILL)', f.kills.kills],
    ['failed restarts', f.kills.failedRestarts.length],
    ['bus outage', f.outage],
    ['webhook receiver failing', `${f.webhookOutage.seconds} s, ${f.webhookOutage.refused} deliveries refused`],
    ['events stored', f.checks.events],
    ['lost', `${lostTotal(f.checks)} ${JSON.stringify(f.checks.lost)}`],
    ['doubled', `${doubledTotal(f.checks)} ${JSON.stringify(f.checks.doubled)}`],
    ['duplicates by id on the bus', f.checks.busDuplicatesById],
    ['webhook wire duplicates', f.checks.webhookWireDuplicates],
    ['placement checks (= full scan)', f.checks.placementChecks],
    ['last kill: recovered after', f.recoverySeconds === null ? 'n/a' : `${f.recoverySeconds.toFixed(1)} s (every event stored before it published)`],
    ['last kill: instance serving after', f.kills.lastBackInSeconds === null ? 'n/a' : `${f.kills.lastBackInSeconds.toFixed(1)} s (down on purpose 0.75-2.25 s, then its start)`],
    ['restart to /health 200', spread(f.kills.startSeconds)],
    ['quiet after the load', `${f.quiescentAfterSeconds.toFixed(1)} s`],
    ['stops with SIGTERM (exit 0)', f.cleanStops],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  const out = [`\n── chaos: ${f.bus} ──`, ...lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`)];
  if (f.load.serverErrors.length > 0) out.push('5xx and load errors (first ones):', ...f.load.serverErrors.map((e) => `  ${e}`));
  if (f.kills.failedRestarts.length > 0) out.push('failed restarts:', ...f.kills.failedRestarts.map((e) => `  ${e}`));
  out.push(f.checks.problems.length === 0 ? 'all checks hold' : 'PROBLEMS:', ...f.checks.problems.map((p) => `  ${p}`));
  process.stdout.write(`${out.join('\n')}\n`);
  process.stdout.write(`CHAOS ${JSON.stringify({ ...f, load: { ...f.load, registered: f.load.registered.length, registeredByTrigger: f.load.registeredByTrigger.length } })}\n`);
}
