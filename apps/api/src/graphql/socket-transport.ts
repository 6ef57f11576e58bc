import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { CloseCode, handleProtocols, makeServer, type Context as WsContext, type ServerOptions } from 'graphql-ws';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import { AppConfigService, Database, RequestContext, TokenService, Unauthenticated, type Principal } from '#platform';
import { MAX_REQUEST_BYTES } from '../security/body-errors.js';
import { GraphqlSecurity, MAX_SUBSCRIPTIONS_PER_SOCKET } from '../security/graphql-security.js';
import { GraphqlErrorFormat } from './error-format.js';

export const GRAPHQL_PATH = '/graphql';

/** The close code of a socket whose token expired (graphql-ws' own "Unauthorized"): the client reconnects with a fresh token. */
export const TOKEN_EXPIRED_CLOSE = CloseCode.Unauthorized;

/** A socket that answers no ping within this long is dropped (a peer gone without closing). */
const KEEP_ALIVE_MS = 12_000;

/** setTimeout's longest delay (about 24.8 days); a later expiry is re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** One websocket: who it is, what it runs. */
interface SocketState {
  readonly ws: WebSocket;
  readonly address: string;
  /** counted among its address's unauthenticated sockets until acknowledged or closed */
  pending: boolean;
  /** the `connection_init` authorization, checked again at every subscribe */
  authorization: string | null;
  expiry: NodeJS.Timeout | null;
  /** each running operation's context, ended when it completes, fails, is cancelled or the socket closes */
  readonly operations: Map<string, { context: RequestContext; operationName: string | null }>;
}

type Extra = { socket: WebSocket; request: IncomingMessage };
type Ctx = WsContext<Record<string, unknown> | undefined, Extra>;

/**
 * GraphQL over websockets (graphql-ws), the same protections as HTTP:
 *
 * - the websocket carries **subscriptions only**; a query or mutation sent
 *   over it is refused (BAD_USER_INPUT, `extensions.transport`): they go over
 *   HTTP, where their transaction ends with the response;
 * - a message is at most MAX_REQUEST_BYTES (the HTTP body limit): a larger one
 *   closes the socket (1009) before it is read whole, let alone parsed;
 *   `connection_init` must come within GRAPHQL_WS_INIT_TIMEOUT_MS;
 *   an address holds at most GRAPHQL_WS_MAX_UNAUTHENTICATED_PER_ADDRESS sockets
 *   that have not authenticated (the upgrade is answered 429 past it);
 * - every subscribe is authenticated again (the token of `connection_init`
 *   must still be valid), and the socket is closed (4401 "Token expired")
 *   when the token expires;
 * - every subscribe goes through GraphqlSecurity's functions, the ones HTTP
 *   uses: rate limit, token limit while parsing, validation rules, input
 *   bounds and cost, the time budget of its set-up reads, the response ceiling;
 * - the operation's read transaction is released once it is set up, after
 *   each result, and for good when it completes, fails, is cancelled or its
 *   socket closes; its access audit is written like an HTTP answer's.
 */
@Injectable()
export class GraphqlSocketTransport implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('GraphqlSocket');
  private readonly states = new WeakMap<WebSocket, SocketState>();
  /** unauthenticated sockets per address */
  private readonly pending = new Map<string, number>();
  private wss: WebSocketServer | null = null;
  private server: Server | null = null;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);
  private readonly maxPending: number;
  private readonly initTimeoutMs: number;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly schemaHost: GraphQLSchemaHost,
    private readonly tokens: TokenService,
    private readonly db: Database,
    private readonly security: GraphqlSecurity,
    private readonly errors: GraphqlErrorFormat,
    config: AppConfigService,
  ) {
    this.maxPending = config.get('GRAPHQL_WS_MAX_UNAUTHENTICATED_PER_ADDRESS');
    this.initTimeoutMs = config.get('GRAPHQL_WS_INIT_TIMEOUT_MS');
  }

  onApplicationBootstrap(): void {
    const schema = this.schemaHost.schema;
    const rules: ValidationRule[] = [...specifiedRules, ...this.security.validationRules()];
    if (!this.security.introspection) rules.push(NoSchemaIntrospectionCustomRule);
    // the frame limit applies before a message is read whole, let alone parsed as JSON
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES, handleProtocols });
    const server = makeServer(this.serverOptions(schema, rules));
    this.wss.on('connection', (ws: WebSocket, req: IncomingMessage) => this.serve(server, ws, req));
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    const wss = this.wss;
    if (!wss) return;
    for (const ws of wss.clients) ws.close(1001, 'Going away');
    const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
    // a peer that does not answer the close handshake is not waited for long
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise<void>((resolve) => (grace = setTimeout(resolve, 2_000)))]);
    clearTimeout(grace);
    for (const ws of wss.clients) ws.terminate();
  }

  /**
   * One socket to graphql-ws' server (what graphql-ws/use/ws does, with our
   * logger: a frame past maxPayload or a broken peer is a warning, not a
   * console stack trace): messages in, keep-alive pings, close.
   */
  private serve(server: ReturnType<typeof makeServer<Record<string, unknown> | undefined, Extra>>, ws: WebSocket, request: IncomingMessage): void {
    ws.on('error', (err) => this.logger.warn(`websocket closed on error: ${err.message}`)); // e.g. past maxPayload: ws closes it (1009)
    let pongWait: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (ws.readyState !== ws.OPEN) return;
      pongWait = setTimeout(() => ws.terminate(), KEEP_ALIVE_MS);
      ws.once('pong', () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      ws.ping();
    }, KEEP_ALIVE_MS);
    ping.unref();
    const closed = server.opened(
      {
        protocol: ws.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (ws.readyState !== ws.OPEN) return resolve();
            ws.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => ws.close(code, reason),
        onMessage: (cb) =>
          ws.on('message', async (data) => {
            try {
              await cb(String(data));
            } catch (err) {
              this.logger.error({ err }, 'websocket message failed');
              ws.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket: ws, request },
    );
    ws.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(ping);
      closed(code, String(reason)).catch((err: unknown) => this.logger.error({ err }, 'closing a websocket failed'));
    });
  }

  /** Sockets of `address` that have not authenticated yet (tests read it). */
  unauthenticated(address: string): number {
    return this.pending.get(address) ?? 0;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined); // a peer resetting mid-handshake is no error of ours
    const path = (req.url ?? '/').split('?')[0];
    if (path !== GRAPHQL_PATH) return refuseUpgrade(socket, 404, 'No websocket here; GraphQL subscriptions are on /graphql');
    const address = this.addressOf(req);
    if (this.unauthenticated(address) >= this.maxPending) {
      return refuseUpgrade(socket, 429, `At most ${this.maxPending} unauthenticated websockets per address; send connection_init or close some`, {
        'retry-after': String(Math.ceil(this.initTimeoutMs / 1000)),
      });
    }
    this.wss!.handleUpgrade(req, socket, head, (ws) => {
      // counted once the handshake is done (a failed one never reaches here)
      this.pending.set(address, this.unauthenticated(address) + 1);
      this.states.set(ws, { ws, address, pending: true, authorization: null, expiry: null, operations: new Map() });
      this.wss!.emit('connection', ws, req);
    });
  }

  /** The caller's address as the HTTP rate limit sees it (Express' `req.ip`: TRUST_PROXY applies). */
  private addressOf(req: IncomingMessage): string {
    const express = this.adapterHost.httpAdapter.getInstance() as { request: object };
    const view = Object.create(express.request, { headers: { value: req.headers }, socket: { value: req.socket }, connection: { value: req.socket } }) as { ip?: string };
    return view.ip ?? req.socket.remoteAddress ?? 'unknown';
  }

  private stateOf(ctx: Ctx): SocketState {
    const state = this.states.get(ctx.extra.socket);
    if (!state) throw new Error('websocket without state');
    return state;
  }

  private authenticated(state: SocketState): void {
    if (!state.pending) return;
    state.pending = false;
    const left = this.unauthenticated(state.address) - 1;
    if (left > 0) this.pending.set(state.address, left);
    else this.pending.delete(state.address);
  }

  /** The principal of the socket's token, which must not have expired (checked at connect and at every subscribe). */
  private async principalOf(authorization: string | null): Promise<{ principal: Principal; expiresAt: number }> {
    const principal = await this.tokens.authenticate(authorization);
    const exp = decodeJwt(authorization!.trim().replace(/^Bearer\s+/, '')).exp!;
    // the socket is held to the token's own expiry, without the clock tolerance a single request gets
    if (exp * 1000 <= Date.now()) throw new Unauthenticated('Token expired');
    return { principal, expiresAt: exp * 1000 };
  }

  private closeAtExpiry(state: SocketState, expiresAt: number): void {
    if (state.expiry) clearTimeout(state.expiry);
    const delay = expiresAt - Date.now();
    state.expiry = setTimeout(
      () => (delay > MAX_TIMER_MS ? this.closeAtExpiry(state, expiresAt) : state.ws.close(TOKEN_EXPIRED_CLOSE, 'Token expired')),
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    state.expiry.unref();
  }

  private serverOptions(schema: GraphQLSchema, rules: ValidationRule[]): ServerOptions<Record<string, unknown> | undefined, Extra> {
    // errors of the request itself (parse, validation, variables that do not coerce) carry no code of their own and
    // wrap no error of a resolver: Apollo answers them BAD_USER_INPUT over HTTP, so do we
    const format = (e: GraphQLError): GraphQLFormattedError => {
      const formatted = e.toJSON();
      if (e.originalError || formatted.extensions?.code) return this.errors.format(formatted, e);
      return this.errors.format({ ...formatted, extensions: { ...formatted.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }, e);
    };
    return {
      schema,
      connectionInitWaitTimeout: this.initTimeoutMs,
      onConnect: async (ctx) => {
        const state = this.stateOf(ctx);
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        state.authorization = typeof raw === 'string' ? raw : null;
        try {
          const { expiresAt } = await this.principalOf(state.authorization);
          this.authenticated(state);
          this.closeAtExpiry(state, expiresAt);
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      onSubscribe: async (ctx, id, payload) => {
        const state = this.stateOf(ctx);
        let principal: Principal;
        try {
          principal = (await this.principalOf(state.authorization)).principal;
        } catch (err) {
          state.ws.close(TOKEN_EXPIRED_CLOSE, err instanceof Unauthenticated ? err.message : 'Unauthenticated');
          return [new GraphQLError(err instanceof Error ? err.message : 'Unauthenticated', { originalError: err as Error })];
        }
        try {
          return await this.admit(schema, rules, ctx, state, id, principal, payload);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
      },
      onOperation: async (ctx, id) => {
        // set up (or refused): its read transaction ends here, and its reads are audited like an HTTP answer's
        await this.settle(this.stateOf(ctx), id);
      },
      onNext: async (ctx, id, _payload, _args, result) => {
        const state = this.stateOf(ctx);
        await this.settle(state, id);
        const formatted = result.errors ? { ...result, errors: result.errors.map(format) } : result;
        return this.security.bounded(formatted as never) as never;
      },
      onError: async (ctx, id, _payload, errors) => {
        await this.finish(this.stateOf(ctx), id);
        return errors.map(format);
      },
      onComplete: async (ctx, id) => {
        await this.finish(this.stateOf(ctx), id);
      },
      onClose: async (ctx) => {
        const state = this.states.get(ctx.extra.socket);
        if (!state) return;
        this.authenticated(state); // no longer counted either way
        if (state.expiry) clearTimeout(state.expiry);
        await Promise.all([...state.operations.keys()].map((id) => this.finish(state, id)));
      },
    };
  }

  /** Everything HTTP checks before a resolver runs, in GraphqlSecurity's functions; the execution arguments when admitted. */
  private async admit(
    schema: GraphQLSchema,
    rules: ValidationRule[],
    ctx: Ctx,
    state: SocketState,
    id: string,
    principal: Principal,
    payload: { query: string; operationName?: string | null; variables?: Record<string, unknown> | null },
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    // graphql-ws has registered this one already: the count includes it
    if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_SOCKET) {
      throw new GraphQLError(`At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection; end one first`, {
        extensions: { code: 'BAD_USER_INPUT', limit: 'subscriptions' },
      });
    }
    await this.security.rateLimit({ principal });
    let document: DocumentNode;
    try {
      document = parse(payload.query, this.security.parseOptions());
    } catch (err) {
      if (!(err instanceof GraphQLError)) throw err;
      throw new GraphQLError(err.message, { nodes: err.nodes, source: err.source, positions: err.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return invalid;
    const operation = getOperationAST(document, payload.operationName ?? undefined);
    if (!operation) throw new GraphQLError('Name the operation to run (operationName): the document holds several, or none', { extensions: { code: 'BAD_USER_INPUT' } });
    // input bounds and cost first, as over HTTP: a hostile query is refused for what it is
    const variables = payload.variables ?? undefined;
    this.security.checkOperation({ schema, document, operation, variables });
    if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
      throw new GraphQLError(`The websocket carries subscriptions only; send ${operation.operation === 'query' ? 'queries' : 'mutations'} over HTTP (POST ${GRAPHQL_PATH})`, {
        extensions: { code: 'BAD_USER_INPUT', transport: 'websocket', operation: operation.operation },
      });
    }
    const contextValue = new RequestContext(this.db, principal, randomUUID());
    contextValue.deadline = this.security.budget(operation.operation);
    state.operations.set(id, { context: contextValue, operationName: payload.operationName ?? null });
    return { schema, document, operationName: payload.operationName ?? undefined, variableValues: variables, contextValue };
  }

  /** Between results: the read transaction ends, the reads so far are audited. */
  private async settle(state: SocketState, id: string): Promise<void> {
    const operation = state.operations.get(id);
    if (!operation) return;
    await operation.context.release().catch((err: unknown) => this.logger.warn({ err }, 'releasing a websocket operation failed'));
    await this.security.flushAudit(operation.context, operation.operationName);
  }

  /** For good: completed, failed, cancelled or disconnected. */
  private async finish(state: SocketState, id: string): Promise<void> {
    const operation = state.operations.get(id);
    if (!operation) return;
    state.operations.delete(id);
    await operation.context.end().catch((err: unknown) => this.logger.warn({ err }, 'ending a websocket operation failed'));
    await this.security.flushAudit(operation.context, operation.operationName);
  }
}

/** Answers an upgrade request we do not take with a plain HTTP error, as JSON, and closes the connection. */
function refuseUpgrade(socket: Duplex, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({
    errors: [{ message, extensions: status === 429 ? { code: 'RATE_LIMITED', limit: 'unauthenticatedSockets' } : { code: 'NOT_FOUND' } }],
  });
  const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, 'connection: close', 'content-type: application/json', `content-length: ${Buffer.byteLength(body)}`];
  for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
