import pg from 'pg';
import type { Queryable } from '#event-store';

/**
 * Several statements in one round trip: node-postgres sends a query without
 * parameters as one simple-protocol message and answers a result per
 * statement (the rows parsed as for any query). Inside the caller's
 * transaction, so one failing fails the transaction as before.
 */
export async function batch(tx: Queryable, statements: readonly string[]): Promise<{ rows: Record<string, unknown>[] }[]> {
  if (statements.length === 0) return [];
  const result = (await tx.query(statements.join(';\n'))) as unknown as { rows: Record<string, unknown>[] } | { rows: Record<string, unknown>[] }[];
  return Array.isArray(result) ? result : [result];
}

/** A statement with its parameters written in as quoted literals (strings: the text node-postgres would send for them). */
export function inline(text: string, values: readonly string[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => pg.escapeLiteral(values[Number(n) - 1]!));
}
