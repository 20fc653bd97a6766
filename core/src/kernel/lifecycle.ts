import { DeployDbError } from '../errors.js';
import type { Logger } from '../plugin-api/logger.js';

/**
 * One thing that starts and stops: a part of the kernel (the database, the relay, the HTTP
 * server) or a plugin. `dependsOn` names parts that must be started before it and stopped after.
 */
export interface LifecyclePart {
  name: string;
  dependsOn?: readonly string[];
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
}

/** What a part is called in messages: the kernel's parts and plugins read differently. */
export interface LifecycleWording {
  /** e.g. `part` or `plugin`. */
  noun: string;
}

/**
 * The order to start parts in: each after what it depends on, otherwise in the order declared.
 * A dependency on a name nobody declares, or a cycle, is a DeployDbError naming the parts.
 */
export function startOrder<P extends LifecyclePart>(parts: readonly P[], wording: LifecycleWording = { noun: 'part' }): P[] {
  const byName = new Map<string, P>();
  for (const part of parts) {
    if (byName.has(part.name)) throw new DeployDbError('config_invalid', `${wording.noun} "${part.name}" is declared twice`);
    byName.set(part.name, part);
  }
  const missing = parts.flatMap((part) => (part.dependsOn ?? []).filter((name) => !byName.has(name)).map((name) => `"${part.name}" needs "${name}"`));
  if (missing.length > 0) {
    throw new DeployDbError('config_invalid', `missing dependency: ${missing.join('; ')}, which no ${wording.noun} provides`);
  }
  const ordered: P[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (part: P, path: string[]) => {
    const seen = state.get(part.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(part.name)), part.name];
      throw new DeployDbError('config_invalid', `circular dependency between ${wording.noun}s: ${cycle.map((n) => `"${n}"`).join(' → ')}`);
    }
    state.set(part.name, 'visiting');
    for (const name of part.dependsOn ?? []) visit(byName.get(name)!, [...path, part.name]);
    state.set(part.name, 'done');
    ordered.push(part);
  };
  for (const part of parts) visit(part, []);
  return ordered;
}

/**
 * Parts started in dependency order; `stop` stops those started, in exact reverse, whether the
 * start went through or failed half-way. Each stop runs once; one that throws is logged and the
 * others still stop.
 */
export class Lifecycle<P extends LifecyclePart = LifecyclePart> {
  private readonly started: P[] = [];
  private stopping: Promise<void> | null = null;

  private constructor(
    private readonly logger: Logger,
    private readonly wording: LifecycleWording,
  ) {}

  /** Starts every part in order; on a failure, stops those already started (in reverse) and throws it. */
  static async start<P extends LifecyclePart>(parts: readonly P[], logger: Logger, wording: LifecycleWording = { noun: 'part' }): Promise<Lifecycle<P>> {
    const lifecycle = new Lifecycle<P>(logger, wording);
    await lifecycle.add(parts);
    return lifecycle;
  }

  /** Starts more parts after those running (they may depend on them); a failure stops everything. */
  async add(parts: readonly P[]): Promise<void> {
    const running = this.started.map((part) => ({ name: part.name }) as LifecyclePart);
    const order = startOrder([...running, ...parts], this.wording).filter((part) => !running.includes(part)) as P[];
    for (const part of order) {
      try {
        await part.start?.();
      } catch (error) {
        this.logger.error({ err: error, [this.wording.noun]: part.name }, `${this.wording.noun} failed to start`);
        await this.stop();
        throw error;
      }
      this.started.push(part);
    }
  }

  /** The parts started so far, in start order. */
  get running(): readonly P[] {
    return this.started;
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    while (this.started.length > 0) {
      const part = this.started.pop()!;
      try {
        await part.stop?.();
      } catch (error) {
        this.logger.error({ err: error, [this.wording.noun]: part.name }, `${this.wording.noun} failed to stop`);
      }
    }
  }
}
