/**
 * The behaviour every promotion plugin must show, as a vitest suite a plugin package runs from
 * its own tests:
 *
 * ```ts
 * promotionPluginContract('SoakTime', {
 *   plugin, validSettings: [{ seconds: 1 }], invalidSettings: [{ seconds: 0 }],
 *   scenarios: [{ name: 'waits', settings: { seconds: 60 }, expect: 'PENDING' }],
 * });
 * ```
 */
import { describe, expect, it } from 'vitest';
import { isPluginDefinition, PLUGIN_API_VERSION, type PluginDefinition, type PromotionPluginSpec } from '../plugin-api/definePlugin.js';
import type { PromotionPluginInstance, Verdict } from '../plugin-api/promotion.js';
import type { TSchema } from 'typebox';
import { validate } from '../schema/validate.js';
import { evaluationContext, reportContext, type ContextOptions } from './promotionContext.js';
import { silentLogger } from './silentLogger.js';
import { systemClock } from '../plugin-api/clock.js';

/** Settings as written in deploydb.yaml. */
type Settings = Record<string, unknown>;

export interface PromotionScenario<S = Settings> extends Omit<ContextOptions<S>, 'settings'> {
  name: string;
  settings: S;
  /** The status the first evaluation must answer. */
  expect: Verdict['status'];
  /** Starts what the scenario needs (a stand-in server…); returns how to stop it. */
  setup?: () => Promise<() => Promise<void>>;
}

export interface PromotionContractOptions<S = Settings> {
  plugin: PluginDefinition;
  /** The plugin's `config:`, before defaults (default `{}`). */
  config?: unknown;
  /** Settings the schema must accept (at least one). */
  validSettings: S[];
  /** Settings the schema must refuse. */
  invalidSettings?: unknown[];
  /** Evaluations with a known outcome. */
  scenarios?: PromotionScenario<S>[];
  /** The values of the plugin's `deps`, by the names it declared (fakes: the suite runs no kernel). */
  deps?: Record<string, unknown>;
}

/** Declares the suite: definition, schemas, verdict shapes, idempotency, abort, reporting. */
export function promotionPluginContract<S = Settings>(name: string, options: PromotionContractOptions<NoInfer<S>>): void {
  const spec = options.plugin as unknown as PluginDefinition<PromotionPluginSpec<TSchema, TSchema>>;

  async function create(): Promise<PromotionPluginInstance<S>> {
    const config = validate(spec.configSchema, options.config ?? {});
    if (!config.ok) throw new Error(`the plugin refused its config: ${JSON.stringify(config.errors)}`);
    return (await spec.create({ config: config.value as never, logger: silentLogger, clock: systemClock, configDir: process.cwd(), deps: (options.deps ?? {}) as never })) as PromotionPluginInstance<S>;
  }

  const settingsOf = (settings: S) => {
    const checked = validate(spec.settingsSchema, settings);
    if (!checked.ok) throw new Error(`valid settings refused: ${JSON.stringify(checked.errors)}`);
    return checked.value as S;
  };

  describe(`promotion plugin contract: ${name}`, () => {
    it('is a promotion plugin made by definePlugin for this plugin API', () => {
      expect(isPluginDefinition(options.plugin)).toBe(true);
      expect(spec.kind).toBe('promotion');
      expect(typeof spec.type).toBe('string');
      expect(spec.type.length).toBeGreaterThan(0);
      expect(spec.apiVersion).toBe(PLUGIN_API_VERSION);
    });

    it('accepts its valid settings, refuses invalid ones and unknown keys', () => {
      expect(options.validSettings.length).toBeGreaterThan(0);
      for (const settings of options.validSettings) expect(validate(spec.settingsSchema, settings).ok, JSON.stringify(settings)).toBe(true);
      for (const settings of options.invalidSettings ?? []) expect(validate(spec.settingsSchema, settings).ok, JSON.stringify(settings)).toBe(false);
      const withTypo = { ...(options.validSettings[0] as object), surelyNotASetting: true };
      expect(validate(spec.settingsSchema, withTypo).ok, 'an unknown settings key must be refused').toBe(false);
    });

    it('creates an instance that can evaluate, and reports a well-formed health if it has one', async () => {
      const instance = await create();
      expect(typeof instance.evaluate).toBe('function');
      await instance.start?.();
      try {
        if (instance.health) expect(['ok', 'degraded', 'down']).toContain((await instance.health()).status);
      } finally {
        await instance.stop?.();
      }
    });

    for (const scenario of options.scenarios ?? []) {
      it(`${scenario.name}: answers ${scenario.expect} with a well-formed verdict, the same when asked twice`, async () => {
        const teardown = await scenario.setup?.();
        const instance = await create();
        await instance.start?.();
        try {
          const context = evaluationContext(spec.type, { ...scenario, settings: settingsOf(scenario.settings) });
          const first = await instance.evaluate(context);
          expectWellFormed(first);
          expect(first.status).toBe(scenario.expect);
          const again = await instance.evaluate(evaluationContext(spec.type, { ...scenario, settings: settingsOf(scenario.settings) }));
          expectWellFormed(again);
          expect(again.status, 'evaluating the same result twice must not change the answer').toBe(first.status);
        } finally {
          await instance.stop?.();
          await teardown?.();
        }
      }, 30_000);
    }

    it('does not hang once its evaluation is aborted', async () => {
      const instance = await create();
      await instance.start?.();
      try {
        const abort = new AbortController();
        abort.abort(new Error('aborted by the contract'));
        const context = evaluationContext(spec.type, { settings: settingsOf(options.validSettings[0]!), signal: abort.signal });
        const outcome = await Promise.race([
          Promise.resolve()
            .then(() => instance.evaluate(context))
            .then(
              () => 'settled',
              () => 'settled',
            ),
          new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000).unref()),
        ]);
        expect(outcome).toBe('settled');
      } finally {
        await instance.stop?.();
      }
    }, 15_000);

    it('decides reports with a well-formed verdict, or is not reportable', async () => {
      const instance = await create();
      if (!instance.reporting) return;
      const settings = settingsOf(options.validSettings[0]!);
      expect(typeof instance.reporting.mayReport({ name: 'someone', roles: ['read'] }, settings)).toBe('boolean');
      const caller = { name: 'someone', roles: ['ci', 'approver'] as const };
      const verdict = instance.reporting.accept(reportContext(spec.type, { settings, caller, report: { status: 'SUCCESS' } }));
      expectWellFormed(verdict);
    });
  });
}

function expectWellFormed(verdict: Verdict): void {
  expect(['SUCCESS', 'FAILED', 'PENDING']).toContain(verdict.status);
  if (verdict.status === 'FAILED') {
    expect(typeof verdict.reason).toBe('string');
    expect(verdict.reason.length, 'a FAILED verdict needs a reason').toBeGreaterThan(0);
  }
  if (verdict.status === 'PENDING' && verdict.checkAgainIn !== undefined) {
    expect(Number.isFinite(verdict.checkAgainIn) && verdict.checkAgainIn >= 0).toBe(true);
  }
  if (verdict.evidence !== undefined) expect(JSON.parse(JSON.stringify(verdict.evidence))).toEqual(verdict.evidence);
  if (verdict.status === 'PENDING' && verdict.state !== undefined) expect(JSON.parse(JSON.stringify(verdict.state))).toEqual(verdict.state);
}
