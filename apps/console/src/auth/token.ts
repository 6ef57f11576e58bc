/** When a JWT stops being valid (its `exp`, in ms), or null when it carries none or is not a JWT. */
export function tokenExpiry(token: string): number | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** A pasted value without its "Bearer " prefix and surrounding blanks. */
export function normaliseToken(pasted: string): string {
  return pasted.trim().replace(/^Bearer\s+/i, '').trim();
}
