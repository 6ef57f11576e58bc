import type { LookupAddress } from 'node:dns';
import { createRequire } from 'node:module';
import { isIP, type LookupFunction } from 'node:net';
import { lookup as dnsLookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import ipaddr from 'ipaddr.js';
import type * as Undici from 'undici';

import { signBody, standardWebhookHeaders } from './webhook-payload.js';

const requireHere = createRequire(import.meta.url);

/** Kept-alive connections to one receiver (origin), per process. */
const CONNECTIONS_PER_ORIGIN = 64;

/** Resolves a host name to every address it has (injectable: tests stand in for DNS). */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

export interface WebhookSenderOptions {
  /** Bounds the whole attempt: DNS lookup, connect, response headers and the body excerpt. */
  timeoutMs: number;
  /** Only for development and tests: lets webhooks reach loopback and private networks. */
  allowPrivateNetworks: boolean;
  userAgent?: string;
  /** DNS by default */
  resolve?: Resolver;
}

export interface WebhookRequest {
  url: string;
  secret: string | null;
  deliveryId: string;
  /** the exact bytes to POST: the same on every attempt and replay of one delivery */
  body: string;
  /** keep the start of a successful answer's body too (a test delivery shows it); reminders do not */
  captureResponse?: boolean;
}

/** The outcome of one attempt; retrying is the caller's business. */
export interface WebhookAttempt {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** the start of the receiver's answer, when the request asked for it */
  responseBody?: string;
}

export const DESTINATION_NOT_ALLOWED = 'destination address not allowed';
const DEFAULT_USER_AGENT = 'coaching-engagement-reminders/1';
const ERROR_BODY_CHARS = 200;
// read a little more than we keep so multi-byte characters at the cut do not matter
const ERROR_BODY_BYTES = 1024;
const IPV4_COMPATIBLE = ipaddr.parse('::') as ipaddr.IPv6;

/**
 * True for addresses a webhook must not reach: anything ipaddr.js does not class as global
 * `unicast` — loopback, private, link-local, unique-local, CGNAT, unspecified, multicast,
 * broadcast, reserved, documentation, 6to4/Teredo/NAT64 and other IPv4-embedding ranges.
 * IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged by its IPv4 address; IPv4-compatible IPv6
 * (::127.0.0.1, i.e. ::7f00:1; deprecated by RFC 4291) is refused outright. Every IPv4 spelling
 * ipaddr.js reads (2130706433, 0x7f.1, 0177.0.0.1) is judged by its value. Anything that is not
 * an IP address counts as private (fail closed).
 */
export function isPrivateAddress(ip: string): boolean {
  const address = canonical(ip.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '')); // brackets of a URL, an IPv6 zone id (fe80::1%eth0)
  if (address === null || !ipaddr.isValid(address)) return true;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
    else if (v6.match(IPV4_COMPATIBLE, 96)) return true;
  }
  return parsed.range() !== 'unicast';
}

/**
 * IPv6 as the WHATWG URL parser (and DNS) write it: ipaddr.js reads `::8.8.8.8` as IPv4-mapped,
 * where it is the IPv4-compatible ::808:808. IPv4 spellings are left to ipaddr.js.
 */
function canonical(address: string): string | null {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}

class DestinationNotAllowed extends Error {
  readonly code = 'EDESTINATIONNOTALLOWED';
  constructor() {
    super(DESTINATION_NOT_ALLOWED);
  }
}

type LookupCallback = Parameters<LookupFunction>[2];

/**
 * POSTs a signed reminder to a practice's webhook, once. Never follows redirects, never
 * throws for delivery problems: every outcome comes back as a WebhookAttempt.
 *
 * SSRF guard: an IP literal is checked before anything is sent. A host name is resolved by
 * the connection's own `lookup` (an undici Agent's connect option), once per connection: every
 * address it resolves to must be public, and the socket connects to one of exactly those
 * addresses — there is no second resolution a hostile DNS server could answer differently
 * (DNS rebinding). TLS still verifies the certificate for the host name (SNI and Host stay the
 * name). An egress proxy or network policy remains the stronger control.
 */
export class WebhookSender {
  private readonly userAgent: string;
  private readonly resolve: Resolver;
  private agent?: Undici.Agent;

  constructor(private readonly options: WebhookSenderOptions) {
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.resolve = options.resolve ?? ((hostname) => dnsLookup(hostname, { all: true, verbatim: true }));
  }

  /** Closes the kept-alive connections (on shutdown). */
  async close(): Promise<void> {
    await this.agent?.close();
  }

  /**
   * undici loads with the first send: the API holds a sender for the console's test button, and a
   * process that never presses it keeps ~6 MB of modules out of its heap (bench/REPORT.md, 2026-12-03
   * 12:00). Loaded by `require`, once: with an `import()` here a batch's sends never settled under
   * Jest's module loader when two batches sent at once (escalation.e2e-spec.ts).
   */
  private dispatcher(): Undici.Agent {
    this.agent ??= new (requireHere('undici') as typeof Undici).Agent({
      // at most CONNECTIONS_PER_ORIGIN kept-alive connections to one receiver: a batch of hundreds queues on
      // them instead of opening (and handshaking) a socket per reminder at once
      connections: CONNECTIONS_PER_ORIGIN,
      connect: { lookup: ((hostname, opts, cb) => this.lookup(hostname, opts, cb)) satisfies LookupFunction },
    });
    return this.agent;
  }

  async send(request: WebhookRequest): Promise<WebhookAttempt> {
    const started = performance.now();
    const done = (ok: boolean, status: number | null, error: string | null): WebhookAttempt => ({
      ok,
      status,
      error,
      durationMs: Math.round(performance.now() - started),
    });
    const signal = AbortSignal.timeout(this.options.timeoutMs);

    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return done(false, null, 'invalid URL');
    }
    // only the web's own schemes may be a webhook target
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return done(false, null, `unsupported URL scheme ${url.protocol}`);
    }
    // an IP literal connects without a lookup, so it is judged here (the URL parser has made it canonical)
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!this.options.allowPrivateNetworks && isIP(host) && isPrivateAddress(host)) return done(false, null, DESTINATION_NOT_ALLOWED);

    try {
      const timestamp = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': this.userAgent,
        'X-Delivery-Id': request.deliveryId,
        'X-Timestamp': String(timestamp),
      };
      if (request.secret) {
        headers['X-Signature'] = signBody(request.secret, request.body);
        Object.assign(headers, standardWebhookHeaders(request.secret, request.deliveryId, timestamp, request.body));
      }

      // undici's request, not fetch: the same client without the WHATWG layer, about three times the
      // requests per second of fetch on one core (a reminder burst is thousands at once); it never
      // follows a redirect, and the signal bounds the answer's body too
      const response = await this.dispatcher().request({ origin: url.origin, path: `${url.pathname}${url.search}`, method: 'POST', headers, body: request.body, signal });
      const status = response.statusCode;
      if (request.captureResponse && status >= 200 && status < 300) {
        return { ...done(true, status, null), responseBody: await readExcerpt(response.body) };
      }
      if (status >= 200 && status < 300) {
        // delivered: nothing that happens to the unread body may turn this into a failure (and a resend)
        await discard(response.body);
        return done(true, status, null);
      }
      if (status >= 300 && status < 400) {
        await discard(response.body);
        return done(false, status, `redirect refused (HTTP ${status})`);
      }
      const excerpt = await readExcerpt(response.body);
      const failed = done(false, status, excerpt ? `HTTP ${status}: ${excerpt}` : `HTTP ${status}`);
      return request.captureResponse ? { ...failed, responseBody: excerpt } : failed;
    } catch (err) {
      if (isDestinationNotAllowed(err)) return done(false, null, DESTINATION_NOT_ALLOWED);
      return done(false, null, signal.aborted ? `timed out after ${this.options.timeoutMs} ms` : describe(err));
    }
  }

  /** The connection's DNS lookup: resolve once, refuse if any address is private, hand over only checked addresses. */
  private lookup(hostname: string, opts: { all?: boolean | undefined }, callback: LookupCallback): void {
    this.resolve(hostname).then(
      (addresses) => {
        if (addresses.length === 0) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        // the socket may take any of them, so one private address is enough to refuse
        if (!this.options.allowPrivateNetworks && addresses.some(({ address }) => isPrivateAddress(address))) {
          return callback(new DestinationNotAllowed(), '', 0);
        }
        if (opts.all) return callback(null, [...addresses]);
        callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  }
}

function isDestinationNotAllowed(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'EDESTINATIONNOTALLOWED') return true;
  }
  return false;
}

async function discard(body: Undici.Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump().catch(() => undefined);
}

/** The first ERROR_BODY_CHARS characters of an error response, whitespace collapsed; '' if unreadable. */
async function readExcerpt(body: Undici.Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= ERROR_BODY_BYTES) break;
    }
  } catch {
    // a body that fails half-way still leaves the status to report
  } finally {
    body.destroy();
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.slice(0, ERROR_BODY_CHARS);
}

/**
 * A network failure's message, with its `cause` when that says more.
 * Duck-typed, not instanceof: undici's errors may come from another realm (Jest's VM contexts).
 */
function describe(err: unknown): string {
  const message = messageOf(err);
  if (message === null) return String(err);
  const cause = messageOf((err as { cause?: unknown }).cause);
  return cause && cause !== message ? `${message}: ${cause}` : message;
}

function messageOf(value: unknown): string | null {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string'
    ? (value as { message: string }).message
    : null;
}
