// PostGraphile 4 over the bench's database, as the service's list reference (issue 15: "faster than
// PostGraphile on the same rows"). Started by bench/postgraphile.ts; stops on SIGTERM.
//   DATABASE_URL  the deployed role's URL (coaching_app, bound by row-level security, as the API is)
//   PRACTICE_ID   the practice every request reads, set per transaction like the API's scope
//   PORT          where it answers POST /graphql
// Production settings: no GraphiQL, no query log, no schema watching, pool of 8 (the load's connections).
import http from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';

const { DATABASE_URL, PRACTICE_ID, PORT } = process.env;
if (!DATABASE_URL || !PRACTICE_ID || !PORT) {
  console.error('serve.mjs needs DATABASE_URL, PRACTICE_ID and PORT');
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 8 });
const handler = postgraphile(pool, 'public', {
  graphiql: false,
  disableQueryLog: true,
  watchPg: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  pgSettings: { 'app.practice_id': PRACTICE_ID },
});
const server = http.createServer(handler).listen(Number(PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
