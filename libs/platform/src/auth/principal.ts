export type PrincipalRole = 'ADMIN' | 'COACH' | 'CLIENT';

/** Who is calling, as proven by their bearer token. */
export interface Principal {
  id: string;
  role: PrincipalRole;
  practiceId: string;
  name: string | null;
  email: string | null;
}

/** Ids of people and practices come from tokens and integrators: a conservative shape. */
export const EXTERNAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;
