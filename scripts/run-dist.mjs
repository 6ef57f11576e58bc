#!/usr/bin/env node
// Runs a file of the compiled build (dist/), or says to build first instead of a
// MODULE_NOT_FOUND trace: the npm scripts that run dist/ (migrate, token,
// seed-demo, cli, start:api, start:worker) go through here.
//
//   node scripts/run-dist.mjs dist/apps/cli/src/main.js [args...]
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [, , target, ...args] = process.argv;
if (!target) {
  process.stderr.write('usage: node scripts/run-dist.mjs dist/<file>.js [args...]\n');
  process.exit(2);
}
const file = join(root, target);
if (!existsSync(file)) {
  process.stderr.write(`${relative(process.cwd(), file) || target} is not built yet: run "npm run build" first (npm start builds too)\n`);
  process.exit(1);
}
// the program sees its own arguments as if started directly: node <file> args...
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
