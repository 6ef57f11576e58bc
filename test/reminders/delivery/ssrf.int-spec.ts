import type { LookupAddress } from 'node:dns';
import { DESTINATION_NOT_ALLOWED, WebhookSender, type Resolver } from '../../../libs/reminders/src/delivery/webhook-sender.js';
import { startHttpReceiver, type HttpReceiver } from '../../support/http-receiver.js';

// The SSRF guard judges the addresses a host name resolves to, and the connection goes to one of
// exactly those: a second, different DNS answer (DNS rebinding) is never asked for. DNS is
// stood in for by an injected resolver; the receiver is a real HTTP server on 127.0.0.1.

const v4 = (address: string): LookupAddress => ({ address, family: 4 });
const v6 = (address: string): LookupAddress => ({ address, family: 6 });

/** A resolver that answers from a table, one answer per call in turn, and counts the calls. */
function scripted(answers: Record<string, LookupAddress[][]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const queue = answers[hostname];
    if (!queue?.length) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return queue.length > 1 ? queue.shift()! : queue[0]!;
  };
  return Object.assign(resolve, { calls });
}

let receiver: HttpReceiver;
beforeEach(async () => {
  receiver = await startHttpReceiver(204);
});
afterEach(async () => {
  await receiver.close();
});

const request = (url: string) => ({ url, secret: 'a-practice-secret-0123456789', deliveryId: 'd-1', body: '{}' });

it.each<[string, LookupAddress[]]>([
  ['loopback', [v4('127.0.0.1')]],
  ['a public and a loopback address', [v4('93.184.215.14'), v4('127.0.0.1')]],
  ['IPv6 loopback', [v6('::1')]],
  ['IPv4-compatible IPv6 loopback', [v6('::7f00:1')]],
  ['IPv4-mapped IPv6 loopback', [v6('::ffff:7f00:1')]],
  ['cloud metadata', [v4('169.254.169.254')]],
  ['a private network', [v4('10.1.2.3')]],
  ['unspecified', [v4('0.0.0.0')]],
])('refuses a host name that resolves to %s, and connects nowhere', async (_label, addresses) => {
  const resolve = scripted({ 'hooks.practice.test': [addresses] });
  const sender = new WebhookSender({ timeoutMs: 5_000, allowPrivateNetworks: false, resolve });
  try {
    const attempt = await sender.send(request(`http://hooks.practice.test:${receiver.port}/hook`));
    expect(attempt).toMatchObject({ ok: false, status: null, error: DESTINATION_NOT_ALLOWED });
    expect(resolve.calls).toEqual(['hooks.practice.test']);
    expect(receiver.requests).toHaveLength(0);
  } finally {
    await sender.close();
  }
});

it('connects to the address the check saw (not a second lookup): the name reaches the receiver the resolver named', async () => {
  // private networks allowed, so the test receiver on 127.0.0.1 may be reached; the system DNS
  // knows nothing of *.test, so only the resolver's own answer can have brought the request here
  const resolve = scripted({ 'hooks.practice.test': [[v4('127.0.0.1')]] });
  const sender = new WebhookSender({ timeoutMs: 5_000, allowPrivateNetworks: true, resolve });
  try {
    const attempt = await sender.send(request(`http://hooks.practice.test:${receiver.port}/hook`));
    expect(attempt).toMatchObject({ ok: true, status: 204 });
    expect(receiver.requests).toHaveLength(1);
    // the Host header keeps the name (TLS would verify the certificate for it too)
    expect(receiver.requests[0]!.headers.host).toBe(`hooks.practice.test:${receiver.port}`);
    expect(resolve.calls).toEqual(['hooks.practice.test']);
  } finally {
    await sender.close();
  }
});

it('DNS rebinding: a name that answers public to the check and loopback afterwards never reaches loopback', async () => {
  // first answer: a public (documentation-free, routable) address; every later answer: loopback
  const resolve = scripted({ 'rebind.practice.test': [[v4('93.184.215.14')], [v4('127.0.0.1')]] });
  const sender = new WebhookSender({ timeoutMs: 1_500, allowPrivateNetworks: false, resolve });
  try {
    const attempt = await sender.send(request(`http://rebind.practice.test:${receiver.port}/hook`));
    // whatever became of the connection to the public address (no route from this machine, or a
    // refusal), it was the only one: one lookup, judged and used, and nothing on loopback
    expect(attempt.ok).toBe(false);
    expect(resolve.calls).toEqual(['rebind.practice.test']);
    expect(receiver.requests).toHaveLength(0);
  } finally {
    await sender.close();
  }
});

it('refuses a second connection when the name has meanwhile rebound to loopback', async () => {
  // two deliveries to the same host: each new connection is looked up and judged again
  const resolve = scripted({ 'flip.practice.test': [[v4('127.0.0.1')], [v4('127.0.0.1')]] });
  const open = new WebhookSender({ timeoutMs: 5_000, allowPrivateNetworks: true, resolve });
  const guarded = new WebhookSender({ timeoutMs: 5_000, allowPrivateNetworks: false, resolve });
  try {
    expect(await open.send(request(`http://flip.practice.test:${receiver.port}/hook`))).toMatchObject({ ok: true });
    expect(await guarded.send(request(`http://flip.practice.test:${receiver.port}/hook`))).toMatchObject({ ok: false, error: DESTINATION_NOT_ALLOWED });
    expect(receiver.requests).toHaveLength(1);
  } finally {
    await open.close();
    await guarded.close();
  }
});
