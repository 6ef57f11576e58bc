import { EventStore1764000000000 } from './migrations/1764000000000-event-store.js';
import { RowLevelSecurity1764000000004 } from './migrations/1764000000004-row-level-security.js';
import { BatchAppendsAndLeaseTokens1764000000005 } from './migrations/1764000000005-batch-appends-and-lease-tokens.js';
import { AccessAudit1764000000006 } from './migrations/1764000000006-access-audit.js';
import { OperatorReaders1764000000007 } from './migrations/1764000000007-operator-readers.js';
import { RowLevelSecurityInitPlans1764000000011 } from './migrations/1764000000011-row-level-security-initplans.js';
import { IdempotencyPerActor1764000000019 } from './migrations/1764000000019-idempotency-per-actor.js';
import { PracticeInEveryKey1764000000100 } from './migrations/1764000000100-practice-in-every-key.js';
import { PartitionedReads1764000000101 } from './migrations/1764000000101-partitioned-reads.js';
import { PersonKeys1764000000400 } from './migrations/1764000000400-person-keys.js';
import { PracticeScopedAppends1764000000450 } from './migrations/1764000000450-practice-scoped-appends.js';

/**
 * The platform's schema changes: the event store's tables (its SQL, from the
 * store), row-level security over every practice table, the access audit,
 * and the shipped migrations that span several libs (5, 7). The engagement
 * and reminders libs export their own (ENGAGEMENT_MIGRATIONS,
 * REMINDER_MIGRATIONS); the apps pass them all to `runMigrations`, and
 * TypeORM runs them in timestamp order. Never edit a shipped one.
 */
export const PLATFORM_MIGRATIONS = [
  EventStore1764000000000,
  RowLevelSecurity1764000000004,
  BatchAppendsAndLeaseTokens1764000000005,
  AccessAudit1764000000006,
  OperatorReaders1764000000007,
  RowLevelSecurityInitPlans1764000000011,
  IdempotencyPerActor1764000000019,
  PracticeInEveryKey1764000000100,
  PartitionedReads1764000000101,
  PersonKeys1764000000400,
  PracticeScopedAppends1764000000450,
];
