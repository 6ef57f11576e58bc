/** @jest-environment node */
// oauth4webapi needs TextEncoder, which Jest's jsdom leaves out; the URL is all this checks
import { endSessionUrl } from './oidc';

describe('RP-initiated logout', () => {
  it("sends the browser to the provider's end_session_endpoint with the ID token as the hint and the way back", () => {
    const url = new URL(
      endSessionUrl('https://id.example.com/session/end?tenant=a', {
        idToken: 'eyJ.id.token',
        clientId: 'coaching-console',
        postLogoutRedirectUri: 'https://coach.example.com/console/',
      })!,
    );
    expect(url.origin + url.pathname).toBe('https://id.example.com/session/end');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      tenant: 'a',
      id_token_hint: 'eyJ.id.token',
      client_id: 'coaching-console',
      post_logout_redirect_uri: 'https://coach.example.com/console/',
    });
  });

  it('has nothing to call when the provider publishes no end_session_endpoint (sign-out then only drops the token)', () => {
    expect(endSessionUrl(undefined, { idToken: 'x', clientId: 'c', postLogoutRedirectUri: 'https://a/console/' })).toBeNull();
  });
});
