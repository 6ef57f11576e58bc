// The contract guard: the schema the real API writes at start-up keeps the whole
// public contract (docs/api-contract.graphql), as scripts/contract-check.mjs judges it (exit 0: compatible; 1:
// breaking changes; 2: could not check). The detailed checks (descriptions,
// defaults, what was added) are in test/graphql/schema-contract.int-spec.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { buildClientSchema, buildSchema, getIntrospectionQuery, lexicographicSortSchema, printSchema, type IntrospectionQuery } from 'graphql';
import { TestApi } from '../support/api.js';
import { newCast, ok } from '../support/engagements.js';
import { CONTRACT_CHECK_URL, REPO_ROOT, SCHEMA_FILE, generatedSchemaFile } from '../support/schema.js';

jest.setTimeout(30_000);

let api: TestApi;
let schemaText: string;
let scratch: string;

beforeAll(async () => {
  api = await TestApi.start();
  schemaText = await generatedSchemaFile(api);
  scratch = mkdtempSync(join(tmpdir(), 'contract-'));
});
afterAll(async () => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  await api?.close();
});

/** Runs the repository's contract check with this Node, from the repository root (it takes graphql from there). */
function contractCheck(schemaFile: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [fileURLToPath(CONTRACT_CHECK_URL), schemaFile], { cwd: REPO_ROOT }, (err, stdout) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout });
    });
  });
}

it('wrote exactly the schema it serves over HTTP', async () => {
  const res = await api.gql<IntrospectionQuery>(getIntrospectionQuery({ descriptions: true }), {}, newCast().coach);
  const served = lexicographicSortSchema(buildClientSchema(ok(res)));
  expect(printSchema(buildSchema(schemaText))).toBe(printSchema(served));
});

it('keeps the whole public contract (contract-check exits 0)', async () => {
  const result = await contractCheck(SCHEMA_FILE);
  expect(result).toEqual({ code: 0, stdout: expect.stringContaining('keeps the whole contract') });
});

it('would catch a breaking change (the guard can fail)', async () => {
  const broken = join(scratch, 'schema.gql');
  // drop a contract field, retype another
  writeFileSync(broken, schemaText.replace(/\n {2}overdue: Boolean!/, '').replace(/\n {2}revision: Int!/, '\n  revision: String!'));
  const result = await contractCheck(broken);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('Homework.overdue was removed');
  expect(result.stdout).toContain('Draft.revision changed type from Int! to String!');
});
