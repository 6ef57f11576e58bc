import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where a server really listens, said truthfully, and a URL a browser on this machine can open. */
export function boundAddress(server: Server): { address: string; port: number; scope: string; url: string } {
  const { address, port } = server.address() as AddressInfo;
  const all = address === '0.0.0.0' || address === '::';
  const loopback = address === '127.0.0.1' || address === '::1';
  const scope = all ? 'all interfaces' : loopback ? 'this machine only' : 'this address only';
  const host = all || loopback ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  return { address: address.includes(':') ? `[${address}]` : address, port, scope, url: `http://${host}:${port}` };
}

/** The API's start-up block: where to go next. */
export function apiStartupBlock(server: Server, options: { graphiql: boolean; production: boolean }): string {
  const { address, port, scope, url } = boundAddress(server);
  const lines = [
    `API listening on ${address}:${port} (${scope}; set HOST to change)`,
    `  GraphQL     ${url}/graphql${options.graphiql ? '   (open it in a browser: GraphiQL)' : ''}`,
    `  health      ${url}/health/live   ${url}/health/ready`,
    `  metrics     ${url}/metrics`,
    `  queues      ${url}/admin/queues   (only with OPERATOR_TOKEN: bearer, or the Basic password; off without it)`,
  ];
  if (!options.production) {
    lines.push(
      '  a token     npm run seed-demo   (writes the demo, prints tokens and a curl to paste)',
      '              npm run token -- --practice demo-practice --role COACH --sub coach-mark',
    );
  }
  return lines.join('\n');
}

/** The worker's start-up line. */
export function workerStartupLine(server: Server): string {
  const { address, port, scope, url } = boundAddress(server);
  return `worker running; health and metrics on ${address}:${port} (${scope}): ${url}/health/ready ${url}/metrics`;
}
