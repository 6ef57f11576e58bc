/** The stream was not at the version the writer expected; nothing was written. */
export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: number | 'no_stream',
    readonly actual: number,
  ) {
    super(`Stream ${streamId}: expected version ${String(expected)}, actual ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** An argument to the store is malformed; nothing was written. */
export class EventStoreInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'EventStoreInputError';
  }
}

/** Another runner took this subscriber's checkpoint; the batch was rolled back. */
export class SubscriptionOwnershipLostError extends Error {
  constructor(readonly subscriber: string) {
    super(`Subscriber ${subscriber} lost ownership of its checkpoint`);
    this.name = 'SubscriptionOwnershipLostError';
  }
}

/** A runner's partition count differs from the one the subscriber's checkpoints were made with. */
export class SubscriptionPartitionsChangedError extends Error {
  constructor(
    readonly subscriber: string,
    readonly partitions: number,
    readonly found: string,
  ) {
    super(
      `Subscriber ${subscriber}: started with ${partitions} partition(s) but checkpoint ${found} is of another split; ` +
        'run every worker with the same SUBSCRIPTION_PARTITIONS, or rebuild the projection to change it (docs/scaling.md)',
    );
    this.name = 'SubscriptionPartitionsChangedError';
  }
}
