/**
 * The event store's tables, as SQL the owning application's migrations run
 * (the store itself never creates or alters a table).
 */
export const eventStoreSchemaSql = {
  up: [
    `CREATE TABLE events (
       position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
       event_id       uuid        NOT NULL,
       stream_id      text        NOT NULL CHECK (length(stream_id) BETWEEN 1 AND 200),
       version        integer     NOT NULL CHECK (version >= 1),
       type           text        NOT NULL CHECK (length(type) BETWEEN 1 AND 100),
       schema_version smallint    NOT NULL DEFAULT 1 CHECK (schema_version >= 1),
       data           jsonb       NOT NULL,
       metadata       jsonb       NOT NULL,
       practice_id    text        NOT NULL,
       occurred_at    timestamptz NOT NULL,
       CONSTRAINT events_stream_version UNIQUE (stream_id, version),
       CONSTRAINT events_event_id UNIQUE (event_id)
     )`,
    // readers of the whole log walk this index in commit-safe order
    `CREATE INDEX events_commit_order ON events (transaction_id, position)`,
    `CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION 'events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
     END $$`,
    `CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()`,
    `CREATE TABLE event_idempotency (
       practice_id     text        NOT NULL,
       idempotency_key text        NOT NULL,
       stream_id       text        NOT NULL,
       request_hash    text,
       first_version   integer     NOT NULL DEFAULT 0,
       last_version    integer     NOT NULL DEFAULT 0,
       positions       bigint[]    NOT NULL DEFAULT '{}',
       created_at      timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (practice_id, idempotency_key)
     )`,
    `CREATE TABLE subscription_checkpoints (
       name           text        PRIMARY KEY,
       transaction_id xid8        NOT NULL,
       position       bigint      NOT NULL,
       updated_at     timestamptz NOT NULL DEFAULT now()
     )`,
    // One append is one statement (one round trip, atomic even outside a
    // transaction block). It scopes the transaction to the events' practice
    // first, so the version lookup and the insert run under that practice's
    // row-level security. A stream not at p_expected raises ES409 with the
    // actual version; a writer that raced us to the same versions makes the
    // insert fail on events_stream_version. Either way nothing is written.
    `CREATE FUNCTION event_store_append(p_stream text, p_events jsonb, p_practice text, p_expected int)
     RETURNS TABLE (out_position bigint, out_version int) LANGUAGE plpgsql AS $$
     DECLARE
       current_version int;
       scoped text := coalesce(current_setting('app.practice_id', true), '');
     BEGIN
       IF scoped NOT IN ('', p_practice) THEN
         RAISE EXCEPTION 'append for practice % inside a transaction scoped to another practice', p_practice
           USING ERRCODE = 'insufficient_privilege';
       END IF;
       PERFORM set_config('app.practice_id', p_practice, true);
       IF p_expected IS NULL THEN
         -- writers that don't care about the version queue up instead of racing
         PERFORM pg_advisory_xact_lock(hashtextextended('stream:' || p_stream, 0));
       END IF;
       SELECT coalesce(max(e.version), 0) INTO current_version FROM events e WHERE e.stream_id = p_stream;
       IF p_expected IS NOT NULL AND current_version <> p_expected THEN
         RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'ES409',
           DETAIL = json_build_object('expected', p_expected, 'actual', current_version)::text;
       END IF;
       RETURN QUERY
         INSERT INTO events AS ev (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
         SELECT n.event_id, p_stream, current_version + n.ord, n.type, n.schema_version, n.data, n.metadata, p_practice, n.occurred_at
           FROM jsonb_to_recordset(p_events)
             AS n(ord int, event_id uuid, type text, schema_version int, data jsonb, metadata jsonb, occurred_at timestamptz)
         RETURNING ev.position, ev.version;
     END $$`,
    // The stream's version as its practice sees it (for conflict reports outside a transaction).
    `CREATE FUNCTION event_store_stream_version(p_stream text, p_practice text) RETURNS int LANGUAGE plpgsql AS $$
     BEGIN
       PERFORM set_config('app.practice_id', p_practice, true);
       RETURN (SELECT coalesce(max(version), 0) FROM events WHERE stream_id = p_stream);
     END $$`,
    // Only events of transactions that can no longer commit "late" are returned:
    // everything below the oldest transaction still running anywhere.
    `CREATE FUNCTION event_store_read_all(after_tx xid8, after_pos bigint, max_count int)
     RETURNS SETOF events LANGUAGE sql STABLE AS $$
       SELECT * FROM events
        WHERE (transaction_id, position) > (after_tx, after_pos)
          AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id, position
        LIMIT max_count
     $$`,
  ],
  /** Later additions, run by their own migrations. */
  appendMany: {
    up: [
      // Appends to many streams of one practice in one statement (batch writers:
      // reminder recording, imports). Same checks as event_store_append, per stream.
      `CREATE FUNCTION event_store_append_many(p_batch jsonb, p_practice text)
       RETURNS TABLE (out_stream text, out_position bigint, out_version int) LANGUAGE plpgsql AS $$
       DECLARE
         item jsonb;
         current_version int;
         expected int;
         scoped text := coalesce(current_setting('app.practice_id', true), '');
       BEGIN
         IF scoped NOT IN ('', p_practice) THEN
           RAISE EXCEPTION 'append for practice % inside a transaction scoped to another practice', p_practice
             USING ERRCODE = 'insufficient_privilege';
         END IF;
         PERFORM set_config('app.practice_id', p_practice, true);
         FOR item IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
           expected := (item->>'expected')::int;
           IF expected IS NULL THEN
             PERFORM pg_advisory_xact_lock(hashtextextended('stream:' || (item->>'stream'), 0));
           END IF;
           SELECT coalesce(max(e.version), 0) INTO current_version FROM events e WHERE e.stream_id = item->>'stream';
           IF expected IS NOT NULL AND current_version <> expected THEN
             RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'ES409',
               DETAIL = json_build_object('stream', item->>'stream', 'expected', expected, 'actual', current_version)::text;
           END IF;
           RETURN QUERY
             INSERT INTO events AS ev (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
             SELECT n.event_id, item->>'stream', current_version + n.ord, n.type, n.schema_version, n.data, n.metadata, p_practice, n.occurred_at
               FROM jsonb_to_recordset(item->'events')
                 AS n(ord int, event_id uuid, type text, schema_version int, data jsonb, metadata jsonb, occurred_at timestamptz)
             RETURNING ev.stream_id, ev.position, ev.version;
         END LOOP;
       END $$`,
    ],
    down: ['DROP FUNCTION IF EXISTS event_store_append_many(jsonb, text)'],
  },
  /**
   * Idempotency records keyed by (practice, actor, key) as separate columns.
   * Records of before are split at the first `:` (the old `actor:key`).
   */
  idempotencyPerActor: {
    up: [
      `ALTER TABLE event_idempotency ADD COLUMN actor_id text NOT NULL DEFAULT ''`,
      `UPDATE event_idempotency
          SET actor_id = split_part(idempotency_key, ':', 1),
              idempotency_key = substr(idempotency_key, position(':' in idempotency_key) + 1)
        WHERE position(':' in idempotency_key) > 1 AND length(idempotency_key) > position(':' in idempotency_key)`,
      `ALTER TABLE event_idempotency DROP CONSTRAINT event_idempotency_pkey`,
      `ALTER TABLE event_idempotency ADD PRIMARY KEY (practice_id, actor_id, idempotency_key)`,
    ],
    down: [
      `ALTER TABLE event_idempotency DROP CONSTRAINT event_idempotency_pkey`,
      `UPDATE event_idempotency SET idempotency_key = actor_id || ':' || idempotency_key WHERE actor_id <> ''`,
      `ALTER TABLE event_idempotency DROP COLUMN actor_id`,
      `ALTER TABLE event_idempotency ADD PRIMARY KEY (practice_id, idempotency_key)`,
    ],
  },
  /**
   * A stream's events after a version, for readers that join it into a query
   * of their own (an aggregate's snapshot plus the events after it, in one
   * round trip) without naming the store's table. Plain SQL, STABLE and
   * SECURITY INVOKER: the planner inlines it, row-level security applies.
   */
  readStream: {
    up: [
      `CREATE FUNCTION event_store_read_stream(p_stream text, p_after int)
       RETURNS SETOF events LANGUAGE sql STABLE AS $$
         SELECT * FROM events WHERE stream_id = p_stream AND version > p_after ORDER BY version
       $$`,
    ],
    down: ['DROP FUNCTION IF EXISTS event_store_read_stream(text, int)'],
  },
  /**
   * Crypto-shredding (personal-data-sealing.ts): one data key per person and
   * practice, wrapped by the service's key-encryption keys; erasure sets
   * wrapped_key to NULL. A practice table (row-level security); readers of the
   * whole log find keys by id through one definer function. The sealing step
   * for events written before (`cli seal-personal-data`) records every event
   * whose representation it changed in personal_data_sealing_log, and may
   * UPDATE an event's data only while it says so (app.sealing_personal_data),
   * only its data, and only as the owner (the service role has no UPDATE).
   */
  personKeys: {
    up: [
      `CREATE TABLE person_keys (
         practice_id text        NOT NULL,
         person_id   text        NOT NULL,
         key_id      uuid        NOT NULL,
         wrapped_key text,
         created_at  timestamptz NOT NULL DEFAULT now(),
         erased_at   timestamptz,
         PRIMARY KEY (practice_id, person_id),
         CONSTRAINT person_keys_key_id UNIQUE (practice_id, key_id),
         CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL))
       )`,
      `CREATE INDEX person_keys_by_key ON person_keys (key_id)`,
      `CREATE FUNCTION event_store_person_keys(p_keys uuid[])
       RETURNS TABLE (key_id uuid, wrapped_key text) LANGUAGE sql STABLE AS $$
         SELECT k.key_id, k.wrapped_key FROM person_keys k WHERE k.key_id = ANY(p_keys)
       $$`,
      `CREATE TABLE personal_data_sealing_log (
         practice_id text        NOT NULL,
         position    bigint      NOT NULL,
         event_id    uuid        NOT NULL,
         stream_id   text        NOT NULL,
         version     integer     NOT NULL,
         type        text        NOT NULL,
         paths       text[]      NOT NULL,
         sealed_at   timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (practice_id, position)
       )`,
      `CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'UPDATE' AND current_setting('app.sealing_personal_data', true) = 'on'
            AND (NEW.position, NEW.transaction_id, NEW.event_id, NEW.stream_id, NEW.version, NEW.type, NEW.schema_version, NEW.metadata, NEW.practice_id, NEW.occurred_at)
                IS NOT DISTINCT FROM (OLD.position, OLD.transaction_id, OLD.event_id, OLD.stream_id, OLD.version, OLD.type, OLD.schema_version, OLD.metadata, OLD.practice_id, OLD.occurred_at)
            AND EXISTS (SELECT 1 FROM personal_data_sealing_log l WHERE l.practice_id = OLD.practice_id AND l.position = OLD.position) THEN
           RETURN NEW;
         END IF;
         RAISE EXCEPTION 'events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
       END $$`,
    ],
    down: [
      `CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'events are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
       END $$`,
      'DROP TABLE IF EXISTS personal_data_sealing_log',
      'DROP FUNCTION IF EXISTS event_store_person_keys(uuid[])',
      'DROP TABLE IF EXISTS person_keys',
    ],
  },
  /**
   * Appends that cost the same at any size of the log. Since the keys lead with practice_id
   * (migration 100), a version lookup by stream alone cannot use (practice_id, stream_id, version)
   * under row-level security (the policy's OR is no index condition): it scanned the table, so an
   * append grew slower with every event. Each lookup now names the practice. And a single append
   * no longer looks the version up first: it inserts at expected + 1 when the stream is at
   * `expected` (the row at that version exists, or expected is 0), and the unique key
   * events_stream_version refuses a stream that has moved on (the store maps that violation to
   * the same WrongExpectedVersionError); a stream behind `expected` inserts nothing and raises
   * ES409 with its version, as before. Writers without an expected version still queue on the
   * stream's advisory lock and append at its end.
   */
  practiceScopedAppends: {
    up: [
      `CREATE OR REPLACE FUNCTION event_store_append(p_stream text, p_events jsonb, p_practice text, p_expected int)
       RETURNS TABLE (out_position bigint, out_version int) LANGUAGE plpgsql AS $$
       DECLARE
         current_version int := p_expected;
         scoped text := coalesce(current_setting('app.practice_id', true), '');
       BEGIN
         IF scoped NOT IN ('', p_practice) THEN
           RAISE EXCEPTION 'append for practice % inside a transaction scoped to another practice', p_practice
             USING ERRCODE = 'insufficient_privilege';
         END IF;
         PERFORM set_config('app.practice_id', p_practice, true);
         IF p_expected IS NULL THEN
           -- writers that don't care about the version queue up instead of racing
           PERFORM pg_advisory_xact_lock(hashtextextended('stream:' || p_stream, 0));
           SELECT coalesce(max(e.version), 0) INTO current_version FROM events e
            WHERE e.practice_id = p_practice AND e.stream_id = p_stream;
         END IF;
         RETURN QUERY
           INSERT INTO events AS ev (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
           SELECT n.event_id, p_stream, current_version + n.ord, n.type, n.schema_version, n.data, n.metadata, p_practice, n.occurred_at
             FROM jsonb_to_recordset(p_events)
               AS n(ord int, event_id uuid, type text, schema_version int, data jsonb, metadata jsonb, occurred_at timestamptz)
            WHERE p_expected IS NULL OR current_version = 0
               OR EXISTS (SELECT FROM events e WHERE e.practice_id = p_practice AND e.stream_id = p_stream AND e.version = current_version)
           RETURNING ev.position, ev.version;
         IF NOT FOUND THEN
           SELECT coalesce(max(e.version), 0) INTO current_version FROM events e
            WHERE e.practice_id = p_practice AND e.stream_id = p_stream;
           RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'ES409',
             DETAIL = json_build_object('expected', p_expected, 'actual', current_version)::text;
         END IF;
       END $$`,
      `CREATE OR REPLACE FUNCTION event_store_append_many(p_batch jsonb, p_practice text)
       RETURNS TABLE (out_stream text, out_position bigint, out_version int) LANGUAGE plpgsql AS $$
       DECLARE
         item jsonb;
         current_version int;
         expected int;
         scoped text := coalesce(current_setting('app.practice_id', true), '');
       BEGIN
         IF scoped NOT IN ('', p_practice) THEN
           RAISE EXCEPTION 'append for practice % inside a transaction scoped to another practice', p_practice
             USING ERRCODE = 'insufficient_privilege';
         END IF;
         PERFORM set_config('app.practice_id', p_practice, true);
         FOR item IN SELECT value FROM jsonb_array_elements(p_batch) LOOP
           expected := (item->>'expected')::int;
           IF expected IS NULL THEN
             PERFORM pg_advisory_xact_lock(hashtextextended('stream:' || (item->>'stream'), 0));
           END IF;
           SELECT coalesce(max(e.version), 0) INTO current_version FROM events e
            WHERE e.practice_id = p_practice AND e.stream_id = item->>'stream';
           IF expected IS NOT NULL AND current_version <> expected THEN
             RAISE EXCEPTION 'wrong expected version' USING ERRCODE = 'ES409',
               DETAIL = json_build_object('stream', item->>'stream', 'expected', expected, 'actual', current_version)::text;
           END IF;
           RETURN QUERY
             INSERT INTO events AS ev (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
             SELECT n.event_id, item->>'stream', current_version + n.ord, n.type, n.schema_version, n.data, n.metadata, p_practice, n.occurred_at
               FROM jsonb_to_recordset(item->'events')
                 AS n(ord int, event_id uuid, type text, schema_version int, data jsonb, metadata jsonb, occurred_at timestamptz)
             RETURNING ev.stream_id, ev.position, ev.version;
         END LOOP;
       END $$`,
      `CREATE OR REPLACE FUNCTION event_store_stream_version(p_stream text, p_practice text) RETURNS int LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM set_config('app.practice_id', p_practice, true);
         RETURN (SELECT coalesce(max(version), 0) FROM events WHERE practice_id = p_practice AND stream_id = p_stream);
       END $$`,
      // the same lookup for the command path's join (row-level security shows only this practice's
      // rows anyway; naming it lets the (practice, stream, version) key find them)
      `CREATE OR REPLACE FUNCTION event_store_read_stream(p_stream text, p_after int)
       RETURNS SETOF events LANGUAGE sql STABLE AS $$
         SELECT * FROM events
          WHERE practice_id = current_setting('app.practice_id', true) AND stream_id = p_stream AND version > p_after
          ORDER BY version
       $$`,
    ],
    /** The functions as migrations 0, 5 and the read-stream one created them. */
    get down(): string[] {
      const shipped = [...eventStoreSchemaSql.up, ...eventStoreSchemaSql.appendMany.up].filter((sql) =>
        /CREATE FUNCTION event_store_(append|append_many|stream_version)\(/.test(sql),
      );
      return [...shipped, ...eventStoreSchemaSql.readStream.up].map((sql) => sql.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'));
    },
  },
  down: [
    'DROP FUNCTION IF EXISTS event_store_read_all(xid8, bigint, int)',
    'DROP FUNCTION IF EXISTS event_store_append(text, jsonb, text, int)',
    'DROP FUNCTION IF EXISTS event_store_stream_version(text, text)',
    'DROP TABLE IF EXISTS subscription_checkpoints',
    'DROP TABLE IF EXISTS event_idempotency',
    'DROP TABLE IF EXISTS events',
    'DROP FUNCTION IF EXISTS events_append_only()',
  ],
};
