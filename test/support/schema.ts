import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import type { TestApi } from './api.js';
import { waitFor } from './wait.js';

/** The repository's root (where `npm test` runs). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Written by the API at start-up outside production (autoSchemaFile + sortSchema). */
export const SCHEMA_FILE = 'apps/api/schema.gql';
export const SCHEMA_PATH = fileURLToPath(new URL(`../../${SCHEMA_FILE}`, import.meta.url));
/** The published contract and its checker, both committed in this repository (nothing outside it is needed). */
export const CONTRACT_URL = new URL('../../docs/api-contract.graphql', import.meta.url);
export const CONTRACT_CHECK_URL = new URL('../../scripts/contract-check.mjs', import.meta.url);

/** The schema the running API serves. */
export function liveSchema(api: TestApi): GraphQLSchema {
  return api.app.get(GraphQLSchemaHost).schema;
}

/**
 * The schema file as this API wrote it. Every app a test starts rewrites the
 * file; waiting until it holds exactly the running API's schema means the
 * text is whole even if another test process is writing it at that moment.
 */
export async function generatedSchemaFile(api: TestApi): Promise<string> {
  const printed = printSchema(lexicographicSortSchema(liveSchema(api)));
  return waitFor(`${SCHEMA_FILE} to hold the running API's schema`, () => {
    const text = readFileSync(SCHEMA_PATH, 'utf8');
    return text.endsWith(printed) ? text : null;
  });
}
