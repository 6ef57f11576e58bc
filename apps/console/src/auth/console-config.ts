/** What the API tells the console at /console/config.json (apps/api/src/console). */
export interface ConsoleConfig {
  /** development only: the seed-demo people one can sign in as */
  devSignIn: { people: { key: string; name: string; role: 'ADMIN' | 'COACH' | 'CLIENT' }[] } | null;
  /** the practice's identity provider (authorization code + PKCE) */
  oidc: { issuer: string; clientId: string; scope: string; resource: string | null } | null;
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  const response = await fetch('/console/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`The console's configuration could not be loaded (HTTP ${response.status}).`);
  return (await response.json()) as ConsoleConfig;
}

export async function devToken(person: string): Promise<string> {
  const response = await fetch('/console/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ person }),
  });
  if (!response.ok) throw new Error(`No development token (HTTP ${response.status}).`);
  return ((await response.json()) as { token: string }).token;
}
