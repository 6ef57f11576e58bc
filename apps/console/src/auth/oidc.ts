import * as oauth from 'oauth4webapi';
import type { ConsoleConfig } from './console-config';

// OpenID Connect authorization code + PKCE (oauth4webapi), and RP-initiated logout. Only the
// PKCE verifier and state wait in sessionStorage across the redirect; the tokens stay in memory.

type OidcConfig = NonNullable<ConsoleConfig['oidc']>;
const PENDING = 'console.oidc.pending';

export const redirectUri = (): string => `${location.origin}/console/callback`;
/** Where the identity provider sends the browser back after signing out (registered with the client). */
export const postLogoutRedirectUri = (): string => `${location.origin}/console/`;

/**
 * RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): the provider's end_session_endpoint
 * with the ID token as the hint and where to come back to. Null when the provider has no such endpoint.
 */
export function endSessionUrl(
  endSessionEndpoint: string | undefined,
  params: { idToken: string | undefined; clientId: string; postLogoutRedirectUri: string },
): string | null {
  if (!endSessionEndpoint) return null;
  const url = new URL(endSessionEndpoint);
  if (params.idToken) url.searchParams.set('id_token_hint', params.idToken);
  url.searchParams.set('client_id', params.clientId);
  url.searchParams.set('post_logout_redirect_uri', params.postLogoutRedirectUri);
  return url.href;
}

function insecureAllowed(issuer: URL): boolean {
  // a test or local IdP on the loopback address speaks plain HTTP; anything else must be HTTPS
  return issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
}

async function discover(config: OidcConfig): Promise<{ as: oauth.AuthorizationServer; options: { [oauth.allowInsecureRequests]?: boolean } }> {
  const issuer = new URL(config.issuer);
  const options = insecureAllowed(issuer) ? { [oauth.allowInsecureRequests]: true } : {};
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, options));
  return { as, options };
}

/** Sends the browser to the identity provider. */
export async function beginOidcSignIn(config: OidcConfig): Promise<void> {
  const { as } = await discover(config);
  if (!as.authorization_endpoint) throw new Error('The identity provider has no authorization endpoint.');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  if (config.resource) url.searchParams.set('resource', config.resource);
  location.assign(url.href);
}

/**
 * On /console/callback: trades the code for tokens. `signOutUrl` ends the session at the provider
 * too (it holds the ID token, so it stays in memory with the access token).
 */
export async function completeOidcSignIn(
  config: OidcConfig,
  current: URL,
): Promise<{ accessToken: string; expiresAt: number | null; signOutUrl: string | null }> {
  const pending = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (!pending) throw new Error('This sign-in was not started here (or was already completed). Please sign in again.');
  const { verifier, state } = JSON.parse(pending) as { verifier: string; state: string };
  const { as, options } = await discover(config);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, current, state);
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri(), verifier, {
    ...options,
    ...(config.resource ? { additionalParameters: { resource: config.resource } } : {}),
  });
  const result = await oauth.processAuthorizationCodeResponse(as, client, response);
  return {
    accessToken: result.access_token,
    expiresAt: typeof result.expires_in === 'number' ? Date.now() + result.expires_in * 1000 : null,
    signOutUrl: endSessionUrl(as.end_session_endpoint, { idToken: result.id_token, clientId: config.clientId, postLogoutRedirectUri: postLogoutRedirectUri() }),
  };
}
