import WebSocket from 'ws';

/** A message the server sent (graphql-transport-ws), or how it closed the socket. */
export interface ServerMessage {
  type: string;
  id?: string;
  payload?: any;
}

/**
 * A websocket speaking graphql-transport-ws by hand, for what a well-behaved
 * client library never sends: oversized frames, text that is not JSON, a
 * subscribe before connection_init, a query instead of a subscription.
 */
export class RawSocket {
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      try {
        this.messages.push(JSON.parse(String(data)) as ServerMessage);
      } catch {
        this.messages.push({ type: 'unparseable', payload: String(data) });
      }
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.notify();
    });
    ws.on('error', () => undefined); // an error is followed by 'close', which the tests look at
  }

  /** Opens a socket (graphql-transport-ws subprotocol); rejects with the HTTP status if the upgrade is refused. */
  static open(url: string, protocol = 'graphql-transport-ws'): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, protocol);
      const socket = new RawSocket(ws);
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += String(c)));
        res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body })));
      });
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends connection_init with `authorization`; resolves once acknowledged (throws if the socket closes instead). */
  async init(authorization: string | null): Promise<void> {
    this.send({ type: 'connection_init', payload: authorization === null ? {} : { authorization } });
    await this.until(() => this.messages.some((m) => m.type === 'connection_ack'), 'connection_ack');
  }

  subscribe(id: string, query: string, variables: Record<string, unknown> = {}): void {
    this.send({ type: 'subscribe', id, payload: { query, variables } });
  }

  /** What the server answered operation `id`, once it ended it (error, or next … complete), or the socket closed. */
  async outcome(id: string): Promise<ServerMessage[]> {
    await this.until(() => this.closed !== null || this.messages.some((m) => m.id === id && (m.type === 'error' || m.type === 'complete')), `the end of ${id}`);
    return this.messages.filter((m) => m.id === id);
  }

  /** Resolves when the server has closed the socket. */
  async whenClosed(): Promise<{ code: number; reason: string }> {
    await this.until(() => this.closed !== null, 'the socket to close');
    return this.closed!;
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private until(done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages).slice(0, 500)}, closed ${JSON.stringify(this.closed)}`)), timeoutMs);
      const check = () => {
        if (done()) {
          clearTimeout(timer);
          resolve();
        } else if (this.closed !== null && what === 'connection_ack') {
          clearTimeout(timer);
          reject(Object.assign(new Error(`closed before ${what}: ${this.closed.code} ${this.closed.reason}`), { closed: this.closed }));
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }
}
