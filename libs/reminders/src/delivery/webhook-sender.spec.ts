import { DESTINATION_NOT_ALLOWED, WebhookSender, isPrivateAddress } from './webhook-sender.js';

describe('isPrivateAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.255.254', true],
    ['10.0.0.1', true],
    ['10.255.255.255', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['100.127.255.255', true],
    ['0.0.0.0', true],
    ['0.1.2.3', true],
    ['224.0.0.1', true],
    ['239.255.255.250', true],
    ['255.255.255.255', true],
    ['::1', true],
    ['::', true],
    ['fe80::1', true],
    ['fe80::1%eth0', true],
    ['febf::1', true],
    ['fc00::1', true],
    ['fd12:3456:789a::1', true],
    ['ff02::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.1.2.3', true],
    ['::ffff:a9fe:a9fe', true],
    ['not-an-ip', true],
    ['', true],
    ['8.8.8.8', false],
    ['1.1.1.1', false],
    ['172.15.255.255', false],
    ['172.32.0.1', false],
    ['100.63.255.255', false],
    ['100.128.0.1', false],
    ['192.169.0.1', false],
    ['169.255.0.1', false],
    ['11.0.0.1', false],
    ['2606:4700:4700::1111', false],
    ['2001:4860:4860::8888', false],
    ['fec0::1', true],
    ['fbff::1', false],
    ['::ffff:8.8.8.8', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

// Refusals happen before any connection is attempted, so these need no network.
describe('WebhookSender refusals', () => {
  const guarded = new WebhookSender({ timeoutMs: 2_000, allowPrivateNetworks: false });
  const request = { secret: 's', deliveryId: 'd', body: '{}' };

  it.each([
    'http://127.0.0.1:9/hook',
    'http://[::1]:9/hook',
    'https://10.0.0.5/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::ffff:192.168.0.1]/hook',
    'http://0.0.0.0:9/',
    'http://localhost:9/hook',
  ])('refuses %s', async (url) => {
    const attempt = await guarded.send({ ...request, url });
    expect(attempt).toEqual({ ok: false, status: null, error: DESTINATION_NOT_ALLOWED, durationMs: expect.any(Number) });
  });

  it.each(['ftp://example.com/hook', 'file:///etc/passwd', 'data:text/plain,hello'])(
    'refuses the non-HTTP URL %s even when private networks are allowed',
    async (url) => {
      const open = new WebhookSender({ timeoutMs: 2_000, allowPrivateNetworks: true });
      const attempt = await open.send({ ...request, url });
      expect(attempt.ok).toBe(false);
      expect(attempt.status).toBeNull();
      expect(attempt.error).toMatch(/^unsupported URL scheme/);
    },
  );

  it('reports an unparseable URL', async () => {
    expect(await guarded.send({ ...request, url: 'not a url' })).toMatchObject({ ok: false, error: 'invalid URL' });
  });
});
