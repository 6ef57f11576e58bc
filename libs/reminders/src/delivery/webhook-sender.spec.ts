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
    // IPv4 spelled every way a parser might read it
    ['2130706433', true], // 127.0.0.1 as one decimal number
    ['0x7f000001', true],
    ['0x7f.1', true],
    ['0177.0.0.1', true], // octal
    ['0177.1', true],
    ['127.1', true],
    ['017700000001', true],
    ['0xa.0.0.1', true], // 10.0.0.1
    ['167772161', true], // 10.0.0.1
    ['0xa9.0xfe.0xa9.0xfe', true], // 169.254.169.254
    ['2852039166', true], // 169.254.169.254
    // IPv6 forms that carry an IPv4 address
    ['::127.0.0.1', true], // IPv4-compatible (deprecated)
    ['::7f00:1', true], // the same, as the URL parser writes it
    ['::a00:1', true], // ::10.0.0.1
    ['::8.8.8.8', true], // IPv4-compatible is refused whatever it embeds
    ['::ffff:7f00:1', true],
    ['0:0:0:0:0:ffff:127.0.0.1', true],
    ['::ffff:0:7f00:1', true], // SIIT (RFC 6145)
    ['64:ff9b::127.0.0.1', true], // NAT64 (RFC 6052)
    ['64:ff9b::a9fe:a9fe', true],
    ['2002:7f00:1::', true], // 6to4
    ['2001::1', true], // Teredo
    ['0:0:0:0:0:0:0:1', true],
    ['0000::0001', true],
    ['[::1]', true],
    ['fe80::1%25eth0', true],
    // other ranges that are not global unicast
    ['100.100.100.100', true], // CGNAT
    ['192.0.0.170', true],
    ['192.0.2.1', true], // documentation
    ['198.51.100.7', true],
    ['203.0.113.9', true],
    ['198.18.0.1', true], // benchmarking
    ['240.0.0.1', true], // reserved
    ['2001:db8::1', true], // documentation
    ['100::1', true], // discard
    ['ff05::1:3', true], // multicast
    ['localhost', true],
    ['127.0.0.1.nip.io', true], // a name, not an address: fail closed (the lookup judges names)
    // public addresses
    ['93.184.215.14', false],
    ['::ffff:93.184.215.14', false],
    ['2a00:1450:4001:81b::200e', false],
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
    'http://[::127.0.0.1]:9/hook',
    'http://[::ffff:7f00:1]:9/hook',
    'http://2130706433:9/hook',
    'http://0x7f.1:9/hook',
    'http://0177.0.0.1:9/hook',
    'http://127.1:9/hook',
    'http://[64:ff9b::7f00:1]:9/hook',
    'http://localhost/hook',
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
