import type { Clock } from '../domain/repositories.js';

/** The wall clock, for use cases that run outside workflows. */
export const systemClock: Clock = { now: () => new Date() };
