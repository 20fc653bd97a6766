export * from './definePlugin.js';
export type * from './promotion.js';
export type * from './queue.js';
export type * from './context.js';
export type * from './logger.js';
export type * from './health.js';
export { systemClock, type Clock } from './clock.js';
export { KeyedRunner } from './keyedRunner.js';
export { assertPattern, assertSubject, subjectMatches } from './subjects.js';
