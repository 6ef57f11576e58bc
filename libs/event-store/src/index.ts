export * from './types.js';
export * from './errors.js';
export { PostgresEventStore, EVENT_COLUMNS, type EventRow, type EventStoreOptions } from './postgres-event-store.js';
export { EventNotifier, DEFAULT_CHANNEL } from './event-notifier.js';
export { SubscriptionRunner, type Subscriber, type SubscriptionRunnerOptions, type SubscriptionStatus } from './subscription-runner.js';
export { UpcasterRegistry, type Upcaster } from './upcasters.js';
export { MAX_EVENTS_PER_APPEND, MAX_STREAM_ID_LENGTH, MAX_TYPE_LENGTH } from './validation.js';
export { eventStoreSchemaSql } from './schema.js';
export { PartitionedSubscriptionRunner, partitionOf, type PartitionedRunnerOptions, type PartitionedStatus } from './partitioned-runner.js';
