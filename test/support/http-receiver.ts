import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** the raw body exactly as received, for signature checks */
  body: string;
  receivedAt: Date;
}

export interface ProgrammedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** hold the response this long before answering (the request is recorded at once) */
  delayMs?: number;
}

export interface HttpReceiver {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  readonly requests: readonly ReceivedRequest[];
  /** answers the next requests in order; afterwards the default applies again */
  respondWith(...responses: Array<number | ProgrammedResponse>): void;
  setDefault(response: number | ProgrammedResponse): void;
  close(): Promise<void>;
}

const normalise = (r: number | ProgrammedResponse): ProgrammedResponse => (typeof r === 'number' ? { status: r } : r);

/** A real HTTP server on 127.0.0.1 and an ephemeral port that records every request. */
export async function startHttpReceiver(defaultResponse: number | ProgrammedResponse = 204): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: ProgrammedResponse[] = [];
  let fallback = normalise(defaultResponse);
  const timers = new Set<NodeJS.Timeout>();

  const answer = (res: ServerResponse, programmed: ProgrammedResponse) => {
    if (res.destroyed) return;
    res.writeHead(programmed.status, programmed.headers);
    res.end(programmed.body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: new Date(),
      });
      const programmed = queue.shift() ?? fallback;
      if (!programmed.delayMs) return answer(res, programmed);
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(res, programmed);
      }, programmed.delayMs);
      timers.add(timer);
      // a client that gave up needs no answer
      res.on('close', () => {
        clearTimeout(timer);
        timers.delete(timer);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respondWith: (...responses) => queue.push(...responses.map(normalise)),
    setDefault: (response) => {
      fallback = normalise(response);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        // keep-alive sockets from fetch's pool would otherwise hold close() open
        server.closeAllConnections();
      }),
  };
}
