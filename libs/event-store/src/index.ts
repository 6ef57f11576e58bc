import { installTimestampParser } from './timestamps.js';

export * from './types.js';
export * from './errors.js';
export { PostgresEventStore, EVENT_COLUMNS, compareCheckpoints, partitionOf, type EventRow, type PreparedAppend, type EventStoreOptions } from './postgres-event-store.js';
export { EventNotifier, DEFAULT_CHANNEL } from './event-notifier.js';
export {
  SubscriptionRunner,
  type Subscriber,
  type SubscriptionBatchFailure,
  type SubscriptionObserver,
  type SubscriptionRunnerOptions,
  type SubscriptionStatus,
} from './subscription-runner.js';
export { UpcasterRegistry, type Upcaster } from './upcasters.js';
export { MAX_EVENTS_PER_APPEND, MAX_STREAM_ID_LENGTH, MAX_TYPE_LENGTH } from './validation.js';
export { eventStoreSchemaSql } from './schema.js';
export { practiceOrScoped } from './practice-scope.js';
export { readSubscriberLag, type SubscriberLagRow } from './subscriber-lag.js';
export { inTransaction, begin, batch, inline, type StatementResult, type Transaction, type TransactionOptions } from './transaction.js';
export { follow, Waker, type Follower, type FollowOptions } from './follow.js';
export { readPracticeLog, readPersonEvents, type RawEvent } from './practice-log.js';
export {
  PersonalDataSealing,
  ERASED,
  KEY_CACHE_MS,
  sealValue,
  dataKey,
  type DataKey,
  openValue,
  openData,
  isSealed,
  collectKeyIds,
  mapPath,
  type PersonalDataRule,
  type PersonalField,
  type KeyWrapper,
  type SealedValue,
  type StreamFirstEvent,
} from './personal-data-sealing.js';
export { sealEventsWrittenBefore, type BackfillReport } from './personal-data-backfill.js';
export { parseTimestamptz, installTimestampParser } from './timestamps.js';

// Every process that loads the event store (each app, the CLI, the tests)
// reads timestamptz with the same fast parser: node-postgres's parsers are
// process-wide, so no door reads times differently from another.
installTimestampParser();
