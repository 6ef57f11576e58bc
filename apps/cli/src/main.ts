import 'reflect-metadata';
import { ConfigValidationError, ensureDatabase, exitOnStartupError, parseConfig, runMigrations } from '#platform';

const USAGE = `Usage: node dist/apps/cli/src/main.js <command> [options]

Commands:
  start                 migrate, then run the API and a worker in this one process
  migrate               create the database if missing and apply pending migrations
`;

type Command = (args: string[]) => Promise<void>;

const commands: Record<string, Command> = {
  async migrate() {
    const config = parseConfig(process.env);
    const ownerUrl = config.DATABASE_OWNER_URL ?? config.DATABASE_URL;
    if (await ensureDatabase(ownerUrl)) console.log('database created');
    const applied = await runMigrations(ownerUrl, (m) => console.log(m));
    console.log(applied.length ? `${applied.length} migration(s) applied` : 'schema is up to date');
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
