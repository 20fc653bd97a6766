import { describe, expect, expectTypeOf, it } from 'vitest';
import Type from 'typebox';
import { coreServices, type LedgerService } from './coreServices.js';
import { definePlugin, definePromotionPlugin, defineSourcePlugin, defineSubscriberPlugin, PLUGIN_API_VERSION } from './definePlugin.js';
import { createServiceRef, isServiceRef, provide, type ResolvedDeps, type ServiceRef } from './serviceRef.js';
import type { Logger } from './logger.js';

interface Chat {
  post(text: string): Promise<void>;
}

describe('service references', () => {
  it('are plain data carrying their id, recognised across copies by their tag', () => {
    const ref = createServiceRef<Chat>({ id: 'acme.chat' });
    expect(JSON.parse(JSON.stringify(ref))).toEqual({ $$type: '@deploydb/service-ref', id: 'acme.chat' });
    expect(isServiceRef(ref)).toBe(true);
    expect(isServiceRef({ $$type: '@deploydb/service-ref', id: 'acme.chat' })).toBe(true);
    expect(isServiceRef({ id: 'acme.chat' })).toBe(false);
    expectTypeOf(ref).toEqualTypeOf<ServiceRef<Chat>>();
  });

  it('refuses an id that is not a dotted name', () => {
    expect(() => createServiceRef({ id: '' })).toThrow(/dotted name/);
    expect(() => createServiceRef({ id: 'has space' })).toThrow(/dotted name/);
  });

  it('resolve to the types they carry', () => {
    const deps = { ledger: coreServices.ledger, log: coreServices.logger };
    expectTypeOf<ResolvedDeps<typeof deps>>().toEqualTypeOf<{ ledger: LedgerService; log: Logger }>();
  });

  it('pair with their value when provided', () => {
    const ref = createServiceRef<Chat>({ id: 'acme.chat' });
    const chat: Chat = { post: async () => undefined };
    expect(provide(ref, chat)).toEqual({ ref, value: chat });
  });
});

describe('plugin definitions of the second edition', () => {
  it('type create’s deps from the declared references', () => {
    const plugin = definePlugin({
      id: 'acme-gate',
      kind: 'promotion',
      type: 'AcmeGate',
      deps: { ledger: coreServices.ledger },
      settingsSchema: Type.Object({}),
      create: ({ deps }) => {
        expectTypeOf(deps.ledger).toEqualTypeOf<LedgerService>();
        return { evaluate: () => ({ status: 'SUCCESS' }) };
      },
    });
    expect(plugin.apiVersion).toBe(PLUGIN_API_VERSION);
    expect(PLUGIN_API_VERSION).toBe(2);
  });

  it('have one helper per kind that sets the kind and keeps the exact type', () => {
    const promotion = definePromotionPlugin({
      id: 'p',
      type: 'P',
      settingsSchema: Type.Object({ seconds: Type.Integer() }),
      create: () => ({ evaluate: () => ({ status: 'SUCCESS' }) }),
    });
    expect(promotion.kind).toBe('promotion');
    // No narrowing needed: the promotion's fields are there.
    expect(promotion.type).toBe('P');
    const subscriber = defineSubscriberPlugin({ id: 's', create: () => ({ subscribe: [{ events: ['deployment.*'], handle: () => undefined }] }) });
    expect(subscriber.kind).toBe('subscriber');
    const source = defineSourcePlugin({
      id: 'src',
      create: ({ commands }) => {
        expectTypeOf(commands.actor).toEqualTypeOf<string>();
        return {};
      },
    });
    expect(source.kind).toBe('source');
  });
});
