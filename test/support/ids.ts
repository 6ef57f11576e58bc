import { randomUUID } from 'node:crypto';

/** A stream or practice id no other test uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}
