import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { TokenService } from '#platform';
import { migrateTestDatabase } from './db.js';
import { setTestEnv } from './env.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data: T | null;
  errors: { message: string; path?: string[]; extensions: { code: string; [k: string]: unknown } }[] | undefined;
  body: unknown;
}

export interface Caller {
  id: string;
  role: 'ADMIN' | 'COACH' | 'CLIENT';
  practiceId: string;
  name?: string;
  email?: string;
}

/** A real API (Nest + Apollo + PostgreSQL) listening on a free port, and helpers to call it over HTTP. */
export class TestApi {
  private constructor(
    readonly app: NestExpressApplication,
    readonly url: string,
  ) {}

  /**
   * Boots the API with the test environment; `env` overrides single variables for this app only
   * (they are put back once the app has read its configuration, so the next test file starts clean).
   * The configuration is read when the API module is first imported, i.e. by the first app a test
   * file starts: an app that needs other settings (NODE_ENV=production, ...) goes in a file of its own.
   */
  static async start(env: Record<string, string> = {}): Promise<TestApi> {
    const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    setTestEnv(env);
    let app: NestExpressApplication;
    try {
      await migrateTestDatabase();
      const { createApi } = await import('../../apps/api/src/bootstrap.js');
      app = await createApi();
    } finally {
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    return new TestApi(app, `http://127.0.0.1:${address.port}`);
  }

  /** ws://127.0.0.1:<port>/graphql, for graphql-ws clients. */
  get wsUrl(): string {
    return `${this.url.replace(/^http/, 'ws')}/graphql`;
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  token(caller: Caller, expiresIn = 3600): Promise<string> {
    return this.app.get(TokenService).issue({
      sub: caller.id,
      practiceId: caller.practiceId,
      role: caller.role,
      name: caller.name,
      email: caller.email,
      expiresIn,
    });
  }

  /** POSTs one GraphQL operation as `caller` (or with a raw Authorization header, or none). */
  async gql<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
    as: Caller | { authorization: string } | null = null,
  ): Promise<GraphQLResponse<T>> {
    const req = request(this.url).post('/graphql').set('content-type', 'application/json');
    if (as && 'authorization' in as) req.set('authorization', as.authorization);
    else if (as) req.set('authorization', `Bearer ${await this.token(as)}`);
    const res = await req.send({ query, variables });
    return { status: res.status, data: res.body?.data ?? null, errors: res.body?.errors, body: res.body };
  }
}
