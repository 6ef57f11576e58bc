import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { performance } from 'node:perf_hooks';
import { signBody } from './webhook-payload.js';

export interface WebhookSenderOptions {
  /** Bounds the whole attempt: DNS lookup, connect, response headers and the body excerpt. */
  timeoutMs: number;
  /** Only for development and tests: lets webhooks reach loopback and private networks. */
  allowPrivateNetworks: boolean;
  userAgent?: string;
}

export interface WebhookRequest {
  url: string;
  secret: string | null;
  deliveryId: string;
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

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network; 0.0.0.0 reaches the local host on most systems
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, including cloud metadata at 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local, still routed by some stacks
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/**
 * True for addresses a webhook must not reach: loopback, private, link-local, unique-local,
 * CGNAT, unspecified, multicast and reserved ranges. IPv4-mapped IPv6 (::ffff:10.0.0.1) is
 * judged by its IPv4 address. Anything that is not an IP address counts as private (fail closed).
 */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/%.*$/, ''); // drop an IPv6 zone id (fe80::1%eth0)
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * POSTs a signed reminder to a practice's webhook, once. Never follows redirects, never
 * throws for delivery problems: every outcome comes back as a WebhookAttempt.
 *
 * SSRF guard: the host is resolved and refused if any of its addresses is private. fetch
 * resolves the name again when it connects, so a hostile DNS server answering a public
 * address to us and a private one to fetch (DNS rebinding) could still get through; closing
 * that needs the connection pinned to the checked address (an undici dispatcher with a
 * custom lookup), or an egress proxy / network policy, which is the stronger control anyway.
 */
export class WebhookSender {
  private readonly userAgent: string;

  constructor(private readonly options: WebhookSenderOptions) {
    this.userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
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
    // fetch also speaks data: and blob:, which must never be a webhook target
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return done(false, null, `unsupported URL scheme ${url.protocol}`);
    }

    try {
      if (!this.options.allowPrivateNetworks && (await this.resolvesToPrivateAddress(url.hostname, signal))) {
        return done(false, null, DESTINATION_NOT_ALLOWED);
      }
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': this.userAgent,
        'X-Delivery-Id': request.deliveryId,
        'X-Timestamp': String(Math.floor(Date.now() / 1000)),
      };
      if (request.secret) headers['X-Signature'] = signBody(request.secret, request.body);

      const response = await fetch(url, { method: 'POST', headers, body: request.body, redirect: 'manual', signal });
      if (request.captureResponse && response.status >= 200 && response.status < 300) {
        return { ...done(true, response.status, null), responseBody: await readExcerpt(response) };
      }
      if (response.status >= 200 && response.status < 300) {
        // delivered: nothing that happens to the unread body may turn this into a failure (and a resend)
        await discard(response);
        return done(true, response.status, null);
      }
      if (response.status >= 300 && response.status < 400) {
        await discard(response);
        return done(false, response.status, `redirect refused (HTTP ${response.status})`);
      }
      const excerpt = await readExcerpt(response);
      const failed = done(false, response.status, excerpt ? `HTTP ${response.status}: ${excerpt}` : `HTTP ${response.status}`);
      return request.captureResponse ? { ...failed, responseBody: excerpt } : failed;
    } catch (err) {
      return done(false, null, signal.aborted ? `timed out after ${this.options.timeoutMs} ms` : describe(err));
    }
  }

  private async resolvesToPrivateAddress(hostname: string, signal: AbortSignal): Promise<boolean> {
    const host = hostname.replace(/^\[(.*)\]$/, '$1'); // URL keeps IPv6 literals bracketed
    if (isIP(host)) return isPrivateAddress(host);
    const addresses = await abortable(lookup(host, { all: true, verbatim: true }), signal);
    // fetch may connect to any of them, so one private address is enough to refuse
    return addresses.length === 0 || addresses.some(({ address }) => isPrivateAddress(address));
  }
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** The first ERROR_BODY_CHARS characters of an error response, whitespace collapsed; '' if unreadable. */
async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body that fails half-way still leaves the status to report
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.slice(0, ERROR_BODY_CHARS);
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * fetch reports every network failure as "fetch failed"; the useful part is in `cause`.
 * Duck-typed, not instanceof: fetch's errors may come from another realm (Jest's VM contexts).
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
