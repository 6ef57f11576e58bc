import { EventStoreInputError } from './errors.js';
import type { AppendOptions, EventMetadata, NewEvent } from './types.js';

export const MAX_STREAM_ID_LENGTH = 200;
export const MAX_TYPE_LENGTH = 100;
export const MAX_EVENTS_PER_APPEND = 1_000;
export const MAX_EVENT_BYTES = 1_048_576;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9_.:-]*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const METADATA_STRINGS: (keyof EventMetadata)[] = ['actorId', 'actorRole', 'practiceId', 'correlationId', 'causationId'];

export function validateStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new EventStoreInputError('streamId', 'must be a non-empty string');
  }
  if (streamId.length > MAX_STREAM_ID_LENGTH) {
    throw new EventStoreInputError('streamId', `must be at most ${MAX_STREAM_ID_LENGTH} characters`);
  }
  if (CONTROL.test(streamId)) throw new EventStoreInputError('streamId', 'must not contain control characters');
}

/** Validates everything before any SQL runs; returns each event's serialised data and metadata. */
export function validateAppend(
  streamId: unknown,
  events: readonly NewEvent[],
  options: AppendOptions,
): { data: string; metadata: string }[] {
  validateStreamId(streamId);
  const ev = options.expectedVersion;
  if (!(ev === 'any' || ev === 'no_stream' || (Number.isSafeInteger(ev) && ev >= 0))) {
    throw new EventStoreInputError('expectedVersion', "must be a whole number >= 0, 'no_stream' or 'any'");
  }
  if (options.idempotencyKey !== undefined) {
    const k = options.idempotencyKey;
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_IDEMPOTENCY_KEY_LENGTH || CONTROL.test(k)) {
      throw new EventStoreInputError(
        'idempotencyKey',
        `must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters without control characters`,
      );
    }
  }
  if (!Array.isArray(events) || events.length === 0) {
    throw new EventStoreInputError('events', 'must be a non-empty array');
  }
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new EventStoreInputError('events', `at most ${MAX_EVENTS_PER_APPEND} events per append`);
  }
  const practiceId = events[0]?.metadata?.practiceId;
  return events.map((e, i) => {
    const at = `events[${i}]`;
    if (typeof e.type !== 'string' || e.type.length === 0 || e.type.length > MAX_TYPE_LENGTH || !TYPE_NAME.test(e.type)) {
      throw new EventStoreInputError(
        `${at}.type`,
        `must be 1 to ${MAX_TYPE_LENGTH} characters: a letter, then letters, digits, '_', '.', ':' or '-'`,
      );
    }
    if (e.eventId !== undefined && !(typeof e.eventId === 'string' && UUID.test(e.eventId))) {
      throw new EventStoreInputError(`${at}.eventId`, 'must be a UUID');
    }
    if (e.schemaVersion !== undefined && !(Number.isSafeInteger(e.schemaVersion) && e.schemaVersion >= 1 && e.schemaVersion <= 32_767)) {
      throw new EventStoreInputError(`${at}.schemaVersion`, 'must be a whole number from 1 to 32767');
    }
    const m = e.metadata;
    if (m === null || typeof m !== 'object') throw new EventStoreInputError(`${at}.metadata`, 'is required');
    for (const key of METADATA_STRINGS) {
      const v = m[key];
      if (typeof v !== 'string' || v.length === 0 || v.length > 200) {
        throw new EventStoreInputError(`${at}.metadata.${String(key)}`, 'must be a string of 1 to 200 characters');
      }
    }
    if (typeof m.occurredAt !== 'string' || Number.isNaN(Date.parse(m.occurredAt))) {
      throw new EventStoreInputError(`${at}.metadata.occurredAt`, 'must be an ISO-8601 instant');
    }
    if (m.practiceId !== practiceId) {
      throw new EventStoreInputError(`${at}.metadata.practiceId`, 'all events of one append belong to one practice');
    }
    const data = serialise(e.data, `${at}.data`);
    const metadata = serialise(m, `${at}.metadata`);
    return { data, metadata };
  });
}

function serialise(value: unknown, field: string): string {
  if (value === null || typeof value !== 'object') {
    throw new EventStoreInputError(field, 'must be a JSON object or array');
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value, strictJson);
  } catch (err) {
    throw new EventStoreInputError(field, `is not JSON-serialisable (${(err as Error).message})`);
  }
  if (json === undefined) throw new EventStoreInputError(field, 'is not JSON-serialisable');
  if (json.includes('\\u0000')) throw new EventStoreInputError(field, 'must not contain NUL characters');
  if (Buffer.byteLength(json) > MAX_EVENT_BYTES) {
    throw new EventStoreInputError(field, `must serialise to at most ${MAX_EVENT_BYTES} bytes`);
  }
  return json;
}

/** JSON.stringify would silently drop or rewrite these; refuse them instead. */
function strictJson(key: string, v: unknown): unknown {
  const t = typeof v;
  if (t === 'function' || t === 'symbol' || t === 'bigint') {
    throw new TypeError(`${key || 'value'} is a ${t}`);
  }
  if (t === 'number' && !Number.isFinite(v as number)) throw new TypeError(`${key || 'value'} is not a finite number`);
  return v;
}
