import 'reflect-metadata';
import { parseArgs } from 'node:util';
import {
  applyGcSettings,
  configFrom,
  ConfigValidationError,
  DependencyUnavailableError,
  ensureDatabase,
  EXTERNAL_ID,
  exitOnStartupError,
  loadDevelopmentEnvFile,
  parseConfig,
  preflight,
  processLogger,
  runMigrations,
  TokenService,
  type AppConfig,
} from '#platform';
import { ALL_MIGRATIONS } from './migrations.js';

/** One help text per command: `<command> --help` prints it (and exits 0). */
const HELP: Record<string, string> = {
  start: `start                 check the configuration, PostgreSQL and Redis; migrate; then run the API and a
                        worker in this one process (development: GraphiQL on /graphql)`,
  migrate: `migrate               create the database if missing and apply pending migrations, as the schema owner
                        (DATABASE_OWNER_URL; a default in development)
                          [--wait SECONDS]  retry the connection that long first (containers starting together)`,
  token: `token                 print a bearer token signed with JWT_SECRET (development and tests)
                          --practice P --role ADMIN|COACH|CLIENT --sub ID [--name N] [--email E] [--ttl SECONDS]
                          (--ttl: validity in seconds, default 3600)`,
  'seed-demo': `seed-demo             migrate, then write the demo engagement (idempotent) and print tokens to try it
                          [--practice P]   (default demo-practice)`,
  'rebuild-projection': `rebuild-projection NAME  rebuild the engagement read models (NAME: engagement) from the event log into
                          shadow tables while the live ones serve, then swap them in atomically; prints the rate
                          [--keep-previous]  keep the replaced tables in schema rebuild_previous
                          [--verify [--practice P]...]  build and compare with the live tables instead (no swap)
                          [--concurrency N] [--batch-size N]`,
  'seal-personal-data': `seal-personal-data    one-off, for events written before personal data was sealed: move their personal fields
                          under per-person keys, logging each changed event in personal_data_sealing_log
                          [--practice P]...  [--batch-size N]   (then VACUUM events)`,
  'reconcile-reminders': `reconcile-reminders   give every SCHEDULED reminder its queue job again (what workers do periodically)`,
  'replay-webhooks': `replay-webhooks       deliver again the reminders SENT in a time window to their practice's webhook
                          --from ISO --to ISO [--practice P]   (same X-Delivery-Id; records nothing)`,
};

const USAGE = `Usage: npm run cli -- <command> [options]     (or: node dist/apps/cli/src/main.js <command> [options])
       npm start | npm run migrate | npm run seed-demo | npm run token -- [options]

Commands:
${Object.values(HELP).map((h) => `  ${h}`).join('\n')}

Every command takes --help. The environment is described in README.md (Configuration).
`;

/** `Usage: npm run cli -- token` and the command's description and options below it. */
function commandHelp(name: string): string {
  const [first, ...rest] = HELP[name]!.split('\n');
  const match = /^(\S+(?: NAME)?)\s+(.*)$/.exec(first!);
  const lines = match ? [match[2]!, ...rest.map((l) => l.trim())] : [first!, ...rest];
  return `Usage: npm run cli -- ${match ? match[1] : name} [options]\n\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

type Command = (args: string[]) => Promise<void>;

/** Messages (not data: a token or the demo's description go to stdout as they are), in the apps' log format. */
const log = processLogger();

/**
 * Creates the database if missing and applies pending migrations as the schema owner. The owner's
 * server must answer first (one line naming DATABASE_OWNER_URL otherwise); `also` adds checks that
 * run at the same time, so every unreachable service is listed at once.
 */
async function migrate(config: AppConfig, also: { redis?: string; waitSeconds?: number } = {}): Promise<void> {
  const ownerUrl = config.DATABASE_OWNER_URL!;
  const needs = { postgres: [{ variable: 'DATABASE_OWNER_URL' as const, url: ownerUrl, serverOnly: true }], redis: also.redis };
  const deadline = Date.now() + (also.waitSeconds ?? 0) * 1000;
  for (;;) {
    try {
      await preflight(needs);
      break;
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError) || Date.now() >= deadline) throw err;
      log.info(`waiting for PostgreSQL (${Math.ceil((deadline - Date.now()) / 1000)} s left): ${err.problems.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  }
  if (await ensureDatabase(ownerUrl)) log.info('database created');
  const applied = await runMigrations(ownerUrl, ALL_MIGRATIONS, (m) => log.info(m));
  log.info(applied.length ? `${applied.length} migration(s) applied` : 'schema is up to date');
}

const commands: Record<string, Command> = {
  async migrate(args) {
    const { values } = parseArgs({ args, options: { wait: { type: 'string', default: '0' } } });
    const waitSeconds = Number(values.wait);
    if (!Number.isInteger(waitSeconds) || waitSeconds < 0 || waitSeconds > 3600) throw new Error(`invalid --wait "${values.wait}": whole seconds, 0 to 3600`);
    await migrate(parseConfig(process.env, { migrates: true }), { waitSeconds });
  },

  async token(args) {
    const { values } = parseArgs({
      args,
      options: {
        practice: { type: 'string' },
        role: { type: 'string' },
        sub: { type: 'string' },
        name: { type: 'string' },
        email: { type: 'string' },
        ttl: { type: 'string', default: '3600' },
      },
    });
    const role = values.role?.toUpperCase();
    if (!values.practice || !values.sub || (role !== 'ADMIN' && role !== 'COACH' && role !== 'CLIENT')) {
      throw new Error('token needs --practice, --sub and --role ADMIN|COACH|CLIENT');
    }
    const tokens = new TokenService(configFrom(parseConfig(process.env)));
    const token = await tokens.issue({
      practiceId: values.practice,
      role,
      sub: values.sub,
      name: values.name,
      email: values.email,
      expiresIn: Number(values.ttl),
    });
    console.log(token);
  },

  async 'seed-demo'(args) {
    const { values } = parseArgs({ args, options: { practice: { type: 'string' } } });
    if (values.practice !== undefined && !EXTERNAL_ID.test(values.practice)) {
      throw new Error(`invalid --practice "${values.practice}": letters, digits and . _ : @ -, up to 128 characters`);
    }
    const config = parseConfig(process.env, { migrates: true });
    await migrate(config);
    await preflight({ postgres: [{ variable: 'DATABASE_URL', url: config.DATABASE_URL }] });
    const { createSeedDemoContext, describeDemo, issueDemoTokens, seedDemo } = await import('./seed-demo.js');
    const app = await createSeedDemoContext();
    try {
      const story = await seedDemo(app, { practiceId: values.practice });
      const tokens = await issueDemoTokens(app, story.practiceId);
      console.log(describeDemo(app, story, tokens));
    } finally {
      await app.close();
    }
  },

  async 'rebuild-projection'(args) {
    const { rebuildProjection } = await import('./ops/rebuild-projection.command.js');
    await rebuildProjection(args);
  },

  async 'seal-personal-data'(args) {
    const { sealPersonalData } = await import('./ops/seal-personal-data.command.js');
    await sealPersonalData(args);
  },

  async 'reconcile-reminders'(args) {
    const { reconcileReminders } = await import('./ops/reconcile-reminders.command.js');
    await reconcileReminders(args);
  },

  async 'replay-webhooks'(args) {
    const { replayWebhooks } = await import('./ops/replay-webhooks.command.js');
    const report = await replayWebhooks(args);
    if (report.failed.length) process.exitCode = 1;
  },

  async start(args) {
    parseArgs({ args, options: {} });
    const config = parseConfig(process.env, { migrates: true });
    // before the API's and the worker's modules load (see the apps' entries)
    applyGcSettings(config);
    // the owner's server and Redis at once, then (after migrate) the service role; each process preflights again
    await migrate(config, { redis: config.REDIS_URL });
    const { startApi } = await import('../../api/src/bootstrap.js');
    const { startWorker } = await import('../../worker/src/bootstrap.js');
    await startWorker();
    await startApi();
  },
};

async function main(): Promise<void> {
  loadDevelopmentEnvFile();
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    process.stdout.write(topic && HELP[topic] ? commandHelp(topic) : USAGE);
    return;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
    process.exit(2);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(name));
    return;
  }
  await command(rest);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigValidationError || err instanceof DependencyUnavailableError) exitOnStartupError(err);
  // a mistake in the command line: the message and the command's help, exit 2
  if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    const name = process.argv[2]!;
    process.stderr.write(`${(err as Error).message}\n\n${HELP[name] ? commandHelp(name) : USAGE}`);
    process.exit(2);
  }
  log.fatal(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
