import { EventStore1764000000000 } from './migrations/1764000000000-event-store.js';

/** Every schema change, in order. Add new migrations at the end; never edit a shipped one. */
export const MIGRATIONS = [EventStore1764000000000];
