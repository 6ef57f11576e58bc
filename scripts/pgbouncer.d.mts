export interface PgBouncer {
  readonly port: number;
  readonly dir: string;
  readonly pid: number | undefined;
  readonly output: string;
  url(user: string, database: string, password?: string): string;
  killNow(): void;
  stop(): Promise<void>;
}
export function pgbouncerBinary(): string;
export function freePort(): Promise<number>;
export function startPgBouncer(options: {
  upstream: string;
  users: { user: string; password?: string }[];
  poolSize?: number;
  port?: number;
  maxClients?: number;
  statementTimeoutMs?: number;
}): Promise<PgBouncer>;
export function testUsers(ownerUrl: string): { user: string; password: string }[];
