import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { configFrom, ConfigValidationError, ensureDatabase, EXTERNAL_ID, exitOnStartupError, parseConfig, runMigrations, TokenService } from '#platform';

const USAGE = `Usage: node dist/apps/cli/src/main.js <command> [options]

Commands:
  start                 migrate, then run the API and a worker in this one process
  migrate               create the database if missing and apply pending migrations
  token                 print a bearer token signed with JWT_SECRET (development and tests)
                          --practice P --role ADMIN|COACH|CLIENT --sub ID [--name N] [--email E] [--ttl SECONDS]
  seed-demo             migrate, then write the demo engagement (idempotent) and print tokens to try it
                          [--practice P]   (default demo-practice)
  rebuild-projection NAME
                        rebuild the engagement read models (NAME: engagement) from the event log into
                          shadow tables while the live ones serve, then swap them in atomically; prints the rate
                          [--keep-previous]  keep the replaced tables in schema rebuild_previous
                          [--verify [--practice P]...]  build and compare with the live tables instead (no swap)
                          [--concurrency N] [--batch-size N]
  reconcile-reminders   give every SCHEDULED reminder its queue job again (what workers do periodically)
  replay-webhooks       deliver again the reminders SENT in a time window to their practice's webhook
                          --from ISO --to ISO [--practice P]   (same X-Delivery-Id; records nothing)
`;

type Command = (args: string[]) => Promise<void>;

const commands: Record<string, Command> = {
  async migrate() {
    const config = parseConfig(process.env);
    const ownerUrl = config.DATABASE_OWNER_URL ?? config.DATABASE_DIRECT_URL ?? config.DATABASE_URL;
    if (await ensureDatabase(ownerUrl)) console.log('database created');
    const applied = await runMigrations(ownerUrl, (m) => console.log(m));
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'schema is up to date');
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
    await commands.migrate!([]);
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

  async 'reconcile-reminders'(args) {
    const { reconcileReminders } = await import('./ops/reconcile-reminders.command.js');
    await reconcileReminders(args);
  },

  async 'replay-webhooks'(args) {
    const { replayWebhooks } = await import('./ops/replay-webhooks.command.js');
    const report = await replayWebhooks(args);
    if (report.failed.length) process.exitCode = 1;
  },

  async start() {
    await commands.migrate!([]);
    const { startApi } = await import('../../api/src/bootstrap.js');
    const { startWorker } = await import('../../worker/src/bootstrap.js');
    await startWorker();
    await startApi();
  },
};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(USAGE);
    process.exit(name ? 2 : 0);
  }
  await command(rest);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigValidationError) exitOnStartupError(err);
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
