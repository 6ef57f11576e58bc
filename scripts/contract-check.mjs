#!/usr/bin/env node
// Compares the service's GraphQL schema with its published contract
// (docs/api-contract.graphql, committed here) and lists every breaking change:
// a removed, renamed or retyped field, argument, type or enum value. Additions
// are fine; dangerous changes (an enum value or optional argument added, a
// default changed) are listed as warnings.
//
//   node scripts/contract-check.mjs [SCHEMA_FILE] [--contract FILE]
//
// SCHEMA_FILE defaults to apps/api/schema.gql (written by the API at start-up
// outside production, and by the tests). Exit 0: compatible; 1: breaking
// changes; 2: could not check.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: { contract: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (err) {
  console.log(`contract-check: ${err.message}`);
  process.exit(2);
}
if (args.values.help) {
  console.log('Usage: node scripts/contract-check.mjs [SCHEMA_FILE] [--contract FILE]\n'
    + '  lists breaking changes of SCHEMA_FILE (default apps/api/schema.gql) against docs/api-contract.graphql\n'
    + '  exit 0: compatible; 1: breaking changes; 2: could not check');
  process.exit(0);
}
const contractPath = args.values.contract ?? join(root, 'docs', 'api-contract.graphql');
const schemaPath = args.positionals[0] ?? join(root, 'apps', 'api', 'schema.gql');
for (const [what, path] of [['contract', contractPath], ['schema', schemaPath]]) {
  if (!existsSync(path)) {
    console.log(`contract-check: no ${what} file at ${path}${what === 'schema' ? ' (start the API in development or run the tests: they write it)' : ''}`);
    process.exit(2);
  }
}
let graphql;
try {
  graphql = await import('graphql');
} catch {
  console.log('contract-check: graphql is not installed (run npm ci)');
  process.exit(2);
}
const { buildSchema, findBreakingChanges, findDangerousChanges } = graphql;
let contract;
let live;
try {
  contract = buildSchema(readFileSync(contractPath, 'utf8'));
  live = buildSchema(readFileSync(schemaPath, 'utf8'));
} catch (err) {
  console.log(`contract-check: cannot read a schema: ${err.message}`);
  process.exit(2);
}
const shown = relative(process.cwd(), schemaPath) || schemaPath;
const breaking = findBreakingChanges(contract, live);
const dangerous = findDangerousChanges(contract, live);
for (const d of dangerous) console.log(`  (dangerous, allowed) ${d.type}: ${d.description}`);
if (breaking.length === 0) {
  console.log(`contract-check: ${shown} keeps the whole contract`);
  process.exit(0);
}
console.log(`contract-check: ${breaking.length} breaking change(s) against the contract in ${shown}:`);
for (const b of breaking) console.log(`  - ${b.type}: ${b.description}`);
process.exit(1);
