import Type from 'typebox';
import { DeployDbError, type ErrorDetail } from '../../errors.js';
import { validate } from '../../schema/validate.js';
import { unacceptableJson } from '../../schema/jsonGuard.js';
import {
  MAX_KEY_BYTES,
  MAX_TRIGGER_BATCH,
  TRIGGER_ATTRIBUTES,
  TRIGGER_DATA_SCHEMAS,
  TRIGGER_TYPES,
  type TriggerEvent,
  type TriggerType,
} from './triggerSchemas.js';

/*
 * The CloudEvent attributes a trigger needs. Other attributes (time, subject, datacontenttype,
 * extensions) are allowed and ignored: producers add their own, and CloudEvents permits it.
 */
const Attributes = Type.Object({ ...TRIGGER_ATTRIBUTES, type: Type.String(), data: Type.Unknown() }, { additionalProperties: true });

const MAX_DETAILS = 100;
/** Deeper than any valid `data`; bounds the recursion of the checks below on hostile input. */
const MAX_DATA_DEPTH = 8;

/**
 * Checks every event of a request and answers them typed, or throws one `validation_failed`
 * naming every problem with a JSON pointer into the batch (`/0/data/version`). All or nothing:
 * a request with one bad event applies none, so it is checked whole before anything runs.
 */
export function parseTriggerEvents(events: readonly unknown[]): TriggerEvent[] {
  if (events.length > MAX_TRIGGER_BATCH) {
    throw new DeployDbError('validation_failed', `a batch holds at most ${MAX_TRIGGER_BATCH} events (got ${events.length})`, [
      { path: '', message: `at most ${MAX_TRIGGER_BATCH} events` },
    ]);
  }
  const details: ErrorDetail[] = [];
  const parsed: TriggerEvent[] = [];
  let invalidEvents = 0;
  events.forEach((event, index) => {
    const checked = checkEvent(event);
    if (checked.ok) {
      parsed.push(checked.event);
      return;
    }
    invalidEvents += 1;
    details.push(...checked.problems.map((d) => ({ path: `/${index}${d.path}`, message: d.message })));
  });
  if (details.length > 0) {
    const shown = details.slice(0, MAX_DETAILS);
    const more = details.length - shown.length;
    throw new DeployDbError(
      'validation_failed',
      `${invalidEvents} of ${events.length} trigger events ${invalidEvents === 1 ? 'is' : 'are'} invalid; nothing was applied` +
        (more > 0 ? ` (${more} more problems not listed)` : ''),
      shown,
    );
  }
  return parsed;
}

/** One event typed, or its problems with paths relative to it. */
function checkEvent(event: unknown): { ok: true; event: TriggerEvent } | { ok: false; problems: ErrorDetail[] } {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    return { ok: false, problems: [{ path: '', message: 'must be a CloudEvent (a JSON object)' }] };
  }
  const fields = event as Record<string, unknown>;
  const { id, source, type, data } = fields;
  // Only the attributes read here are checked (validation copies its input, and extensions may be anything).
  const attributes: Record<string, unknown> = {};
  for (const key of ['specversion', 'id', 'source', 'type'] as const) if (key in fields) attributes[key] = fields[key];
  if ('data' in fields) attributes.data = null;
  const checked = validate(Attributes, attributes);
  const problems = checked.ok ? [] : checked.errors;
  // Refused here rather than failing deep inside a command (or in storing its receipt).
  const unacceptableAttribute = unacceptableJson({ id, source });
  if (unacceptableAttribute) problems.push(unacceptableAttribute);
  const unacceptableData = unacceptableJson(data, MAX_DATA_DEPTH);
  if (unacceptableData) problems.push({ path: `/data${unacceptableData.path}`, message: unacceptableData.message });
  const dataReadable = 'data' in fields && !unacceptableData;
  if (typeof id === 'string' && typeof source === 'string' && Buffer.byteLength(id) + Buffer.byteLength(source) > MAX_KEY_BYTES) {
    problems.push({ path: '/source', message: `source and id together must be at most ${MAX_KEY_BYTES} bytes of UTF-8` });
  }
  if (typeof type === 'string' && !isTriggerType(type)) {
    problems.push({ path: '/type', message: `unknown trigger type "${type.slice(0, 200)}"; one of ${TRIGGER_TYPES.join(', ')}` });
  }
  if (typeof type !== 'string' || !isTriggerType(type) || !dataReadable) return { ok: false, problems };
  const checkedData = validate(TRIGGER_DATA_SCHEMAS[type], data);
  if (!checkedData.ok) problems.push(...checkedData.errors.map((d) => ({ path: `/data${d.path}`, message: d.message })));
  if (problems.length > 0 || !checkedData.ok) return { ok: false, problems };
  return { ok: true, event: { id: id as string, source: source as string, type, data: checkedData.value } as TriggerEvent };
}

/** True for one of the five trigger types. */
export function isTriggerType(type: string): type is TriggerType {
  return (TRIGGER_TYPES as readonly string[]).includes(type);
}

