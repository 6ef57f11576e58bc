#!/usr/bin/env node
// Checks the Docker files without a Docker daemon (CI machines have none):
// 1. docker-compose.yml and docker-compose.prod.yml against the Compose Specification's JSON
//    schema, plus dclint's rules (.dclintrc: key order is not checked);
// 2. docker/Dockerfile with dockerfile-utils' validator (the one behind editors' Dockerfile
//    support), every diagnostic an error, and every COPY source from the build context must exist;
// 3. the facts the README relies on: pg_isready over TCP (-h 127.0.0.1), migrate retrying its
//    connection, the production override requiring each secret.
// Exit 0: all good; 1: problems, listed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DockerfileParser } from 'dockerfile-ast';
import { validate, ValidationSeverity } from 'dockerfile-utils';
import YAML from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const COMPOSE_FILES = ['docker-compose.yml', 'docker-compose.prod.yml'];

// 1. compose: schema validation and lint rules (dclint validates against the bundled compose-spec schema first)
const dclint = spawnSync(process.execPath, [join(root, 'node_modules/dclint/bin/dclint.cjs'), ...COMPOSE_FILES], { cwd: root, encoding: 'utf8' });
if (dclint.status !== 0) problems.push(`dclint (compose schema and rules):\n${dclint.stdout}${dclint.stderr}`);
else console.log(`compose: ${COMPOSE_FILES.join(', ')} valid against the Compose Specification schema; dclint rules pass`);

// 2. Dockerfile
const dockerfilePath = join(root, 'docker/Dockerfile');
const dockerfile = readFileSync(dockerfilePath, 'utf8');
const settings = Object.fromEntries(
  ['deprecatedMaintainer', 'directiveCasing', 'emptyContinuationLine', 'instructionCasing', 'instructionCmdMultiple',
    'instructionEntrypointMultiple', 'instructionHealthcheckMultiple', 'instructionJSONInSingleQuotes', 'instructionWorkdirRelative']
    .map((k) => [k, ValidationSeverity.ERROR]),
);
for (const d of validate(dockerfile, settings)) problems.push(`docker/Dockerfile:${d.range.start.line + 1}: ${d.message}`);
// the PgBouncer image of the compose profile `pgbouncer`: the same validator
for (const d of validate(readFileSync(join(root, 'docker/pgbouncer/Dockerfile'), 'utf8'), settings)) problems.push(`docker/pgbouncer/Dockerfile:${d.range.start.line + 1}: ${d.message}`);
const parsed = DockerfileParser.parse(dockerfile);
const stages = parsed.getFROMs().map((f) => f.getBuildStage()).filter(Boolean);
for (const copy of parsed.getCOPYs()) {
  if (copy.getFromFlag()) {
    const from = copy.getFromFlag().getValue();
    if (!stages.includes(from)) problems.push(`docker/Dockerfile:${copy.getRange().start.line + 1}: COPY --from=${from}: no such stage`);
    continue;
  }
  const args = copy.getArguments().map((a) => a.getValue());
  for (const source of args.slice(0, -1)) {
    if (!existsSync(join(root, source))) problems.push(`docker/Dockerfile:${copy.getRange().start.line + 1}: COPY ${source}: not in the build context`);
  }
}
const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
for (const needed of ['docs', 'scripts', 'test', 'apps', 'libs']) {
  if (ignored.includes(needed)) problems.push(`.dockerignore excludes ${needed}, which the Dockerfile copies`);
}
if (problems.length === 0) console.log(`Dockerfile: docker/Dockerfile passes dockerfile-utils' validator; stages ${stages.join(', ')}; every COPY source exists`);

// 3. what the README promises of the compose files
const compose = YAML.parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const prodText = readFileSync(join(root, 'docker-compose.prod.yml'), 'utf8');
const health = JSON.stringify(compose.services.postgres.healthcheck.test);
if (!health.includes('-h 127.0.0.1')) problems.push('docker-compose.yml: the postgres health check must run pg_isready -h 127.0.0.1 (TCP), or it passes during the init server');
if (!compose.services.migrate.command.includes('--wait')) problems.push('docker-compose.yml: migrate must retry its connection (migrate --wait SECONDS)');
for (const service of ['migrate', 'api', 'worker']) {
  if (compose.services[service].environment.NODE_ENV !== 'development') problems.push(`docker-compose.yml: ${service} must run NODE_ENV=development (production is docker-compose.prod.yml)`);
}
for (const secret of ['JWT_SECRET', 'SECRETS_KEYS', 'DATABASE_URL', 'DATABASE_OWNER_URL', 'POSTGRES_PASSWORD']) {
  if (!new RegExp(`\\$\\{${secret}:\\?`).test(prodText)) problems.push(`docker-compose.prod.yml: ${secret} must be required (\${${secret}:?…})`);
}
if (!/NODE_ENV: production/.test(prodText)) problems.push('docker-compose.prod.yml: must set NODE_ENV: production');

if (problems.length) {
  console.log(`check-docker: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log('check-docker: compose files and Dockerfile OK');
