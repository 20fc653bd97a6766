/** The tag on a service reference; the kernel checks it instead of `instanceof` (two copies of core may meet). */
export const SERVICE_REF_TAG = '@deploydb/service-ref';

/**
 * A typed reference to a service: plain data (its `id`), carrying the service's type `T` for the
 * compiler only. Plugins declare what they need as references (`deps`) and the kernel hands them
 * the values; a plugin that provides a service exports the reference others depend on.
 */
export interface ServiceRef<T> {
  readonly $$type: typeof SERVICE_REF_TAG;
  /** Unique over the installation, e.g. `core.ledger` or `acme.chat`. */
  readonly id: string;
  /** Never set: it only carries `T`. */
  readonly T?: T;
}

/** Makes a service reference. Ids starting with `core.` are the kernel's own. */
export function createServiceRef<T>({ id }: { id: string }): ServiceRef<T> {
  if (typeof id !== 'string' || !/^[A-Za-z0-9@][\w.@/-]*$/.test(id)) throw new TypeError(`a service reference's id must be a dotted name, got "${String(id)}"`);
  return Object.freeze({ $$type: SERVICE_REF_TAG, id });
}

/** True when `value` is a service reference made by any copy of `createServiceRef`. */
export function isServiceRef(value: unknown): value is ServiceRef<unknown> {
  return typeof value === 'object' && value !== null && (value as { $$type?: unknown }).$$type === SERVICE_REF_TAG && typeof (value as { id?: unknown }).id === 'string';
}

/** What a plugin declares it depends on: a name of its choosing for each reference. */
export type ServiceDeps = Record<string, ServiceRef<any>>;

/** The values `create` gets for declared `deps`, each typed by its reference. */
export type ResolvedDeps<D extends ServiceDeps> = { [K in keyof D]: D[K] extends ServiceRef<infer T> ? T : never };

/** A service a plugin's instance answers with, for one of the references in its `provides`. */
export interface ProvidedService<T = unknown> {
  readonly ref: ServiceRef<T>;
  readonly value: T;
}

/** Pairs a reference with the value that answers it: `services: [provide(chatRef, chat)]`. */
export function provide<T>(ref: ServiceRef<T>, value: T): ProvidedService<T> {
  return { ref, value };
}
