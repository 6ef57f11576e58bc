#!/usr/bin/env bash
# The single-event append taken apart with pgbench (issue 15): what the events table's row, each of
# its indexes, row-level security, the event_store_append function and the protocol cost
# PostgreSQL, each beside the lean two-index table of `npm run bench` measured in the same run.
# No Node in the loop: pgbench is the client, 16 connections, one append per transaction, each
# client appending to its own stream at the next version (as the event-store bench does).
#
#   npm run build && bash bench/append-anatomy.sh [seconds per run, default 5] [rounds, default 3]
#
# Makes a database of its own (coaching_append_anatomy on BENCH_DATABASE_URL's server), migrates it
# with the built CLI, drops it at the end (KEEP=1 leaves it, without the three dropped indexes).
# Needs pgbench (PostgreSQL's client package).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${1:-5}
ROUNDS=${2:-3}
SERVER=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/coaching_bench}
SERVER=${SERVER%/*}
DB=coaching_append_anatomy
OWNER_URL="$SERVER/$DB"
APP_URL=$(node -e 'const u = new URL(process.argv[1]); u.username = "coaching_app"; console.log(u.toString())' "$OWNER_URL")
WORK=$(mktemp -d /tmp/append-anatomy.XXXXXX)

command -v pgbench >/dev/null || { echo "append-anatomy: pgbench is not installed (apt-get install -y postgresql-client)" >&2; exit 1; }
[ -f dist/apps/cli/src/main.js ] || { echo "append-anatomy: run npm run build first" >&2; exit 1; }

cleanup() {
  psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT

psql "$SERVER/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
psql "$SERVER/postgres" -qc "CREATE DATABASE $DB" >/dev/null
DATABASE_OWNER_URL=$OWNER_URL DATABASE_URL=$APP_URL LOG_LEVEL=warn node dist/apps/cli/src/main.js migrate >/dev/null

# the bench's event data and metadata, as functions (pgbench reads ":name" inside a literal as a variable)
DATA='{"homeworkId":"hw-1","title":"Script your elevator pitch and find your hook","dueAt":null}'
META='{"actorId":"coach-1","actorRole":"COACH","practiceId":"bench-practice","correlationId":"6f1c1c3e-8a8e-4a57-9a57-0e0f8d1f2a11","causationId":"7f1c1c3e-8a8e-4a57-9a57-0e0f8d1f2a11","occurredAt":"2026-11-30T22:00:00.000Z"}'
psql "$OWNER_URL" -q <<SQL
CREATE SCHEMA bench_reference;
CREATE TABLE bench_reference.lean_events (
  position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text NOT NULL, version integer NOT NULL,
  type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL, UNIQUE (stream_id, version));
CREATE FUNCTION bench_reference.d() RETURNS jsonb LANGUAGE sql IMMUTABLE AS \$\$ SELECT '$DATA'::jsonb \$\$;
CREATE FUNCTION bench_reference.m() RETURNS jsonb LANGUAGE sql IMMUTABLE AS \$\$ SELECT '$META'::jsonb \$\$;
GRANT USAGE ON SCHEMA bench_reference TO coaching_app;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench_reference TO coaching_app;
SQL

cat >"$WORK/lean.sql" <<'SQL'
\set v :v + 1
INSERT INTO bench_reference.lean_events (stream_id, version, type, data, metadata)
VALUES ('l-' || :run || '-' || :client_id, :v, 'HomeworkAssigned', bench_reference.d(), bench_reference.m());
SQL
cat >"$WORK/raw.sql" <<'SQL'
\set v :v + 1
INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
VALUES (gen_random_uuid(), 'r-' || :run || '-' || :client_id, :v, 'HomeworkAssigned', 1, bench_reference.d(), bench_reference.m(), 'bench-practice', now());
SQL
# what PostgresEventStore.append sends: the function, the events as a JSON array
cat >"$WORK/function.sql" <<'SQL'
\set v :v + 1
\set e :v - 1
SELECT out_position, out_version FROM event_store_append('f-' || :run || '-' || :client_id,
  jsonb_build_array(jsonb_build_object('ord', 1, 'event_id', gen_random_uuid(), 'type', 'HomeworkAssigned', 'schema_version', 1,
                                       'data', bench_reference.d(), 'metadata', bench_reference.m(), 'occurred_at', now())),
  'bench-practice', :e);
SQL
# the same append as one plain statement (Marten's QuickAppend shape): insert at expected + 1 when the
# stream is at `expected`; the unique key refuses a stream that moved on (the practice scope is set)
cat >"$WORK/plain.sql" <<'SQL'
\set v :v + 1
\set e :v - 1
INSERT INTO events AS ev (event_id, stream_id, version, type, schema_version, data, metadata, practice_id, occurred_at)
SELECT n.event_id, 'p-' || :run || '-' || :client_id, :e + n.ord, n.type, n.schema_version, n.data, n.metadata, 'bench-practice', n.occurred_at
  FROM jsonb_to_recordset(jsonb_build_array(jsonb_build_object('ord', 1, 'event_id', gen_random_uuid(), 'type', 'HomeworkAssigned',
         'schema_version', 1, 'data', bench_reference.d(), 'metadata', bench_reference.m(), 'occurred_at', now())))
    AS n(ord int, event_id uuid, type text, schema_version int, data jsonb, metadata jsonb, occurred_at timestamptz)
 WHERE :e = 0 OR EXISTS (SELECT FROM events e WHERE e.practice_id = 'bench-practice' AND e.stream_id = 'p-' || :run || '-' || :client_id AND e.version = :e)
RETURNING ev.position, ev.version;
SQL

# run LABEL URL SCRIPT MODE: one pgbench run; prints "LABEL TPS"
run() {
  local tps
  tps=$(PGOPTIONS='-c app.practice_id=bench-practice' pgbench -n -M "$4" -c 16 -j 2 -T "$SECONDS_PER_RUN" \
    -D v=0 -D run="$RANDOM$RANDOM" -f "$WORK/$3.sql" "$2" 2>&1 | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  [ -n "$tps" ] || { echo "append-anatomy: pgbench failed for $1" >&2; exit 1; }
  echo "$1 $tps"
}

# rounds of LABEL:URL:SCRIPT:MODE variants, alternated, each beside the lean table in the same round
measure() {
  for _ in $(seq "$ROUNDS"); do
    run lean "$OWNER_URL" lean prepared
    for v in "$@"; do IFS=: read -r label who script mode <<<"$v"; run "$label" "$([ "$who" = app ] && echo "$APP_URL" || echo "$OWNER_URL")" "$script" "$mode"; done
  done >>"$WORK/results"
}

# the service's path and its alternatives, as the service role (row-level security)
measure raw-owner:owner:raw:prepared raw-app:app:raw:prepared function-app:app:function:prepared plain-app:app:plain:prepared \
  function-app-inline:app:function:simple plain-app-inline:app:plain:simple lean-inline:owner:lean:simple
# each index beyond the lean table's two, dropped one after another (owner, raw INSERT)
psql "$OWNER_URL" -qc 'DROP INDEX events_partition_8'
measure raw-owner-without-partition-index:owner:raw:prepared
psql "$OWNER_URL" -qc 'DROP INDEX events_commit_order'
measure raw-owner-without-partition-and-commit-order:owner:raw:prepared
psql "$OWNER_URL" -qc 'ALTER TABLE events DROP CONSTRAINT events_event_id'
measure raw-owner-without-partition-commit-order-event-id:owner:raw:prepared

echo "append anatomy: $ROUNDS rounds of ${SECONDS_PER_RUN} s, 16 connections, pgbench; median transactions/s, ratio to the lean table's median"
node -e '
  const runs = new Map();
  for (const line of require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n")) {
    const [label, tps] = line.split(" ");
    runs.set(label, [...(runs.get(label) ?? []), Number(tps)]);
  }
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const lean = median(runs.get("lean"));
  for (const [label, xs] of runs)
    console.log(`  ${label.padEnd(52)} ${Math.round(median(xs)).toString().padStart(7)} tx/s  ${(median(xs) / lean).toFixed(2)}× lean  (${xs.map(Math.round).join(" ")})`);
' "$WORK/results"
