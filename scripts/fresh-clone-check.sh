#!/usr/bin/env bash
# "Done" for a new user: clones this repository into an empty temporary folder (nothing beside
# it: no ../shared) and runs README.md's commands literally, failing on any difference from what
# the README promises:
#   1. `npm ci && npm test`                      (the README's line, as written)
#   2. `npm start` (the README's `npm ci && npm start`, reusing step 1's install)
#      → the start-up block names the GraphQL URL
#   3. `npm run seed-demo` → the demo, its engagement id and tokens; run again → nothing written
#   4. every ```graphql query of "Try it", with the coach's token (and {"id": …} where it takes one),
#      the curl line seed-demo prints, and `npm run token -- …` from the README
# Its own PostgreSQL database names, Redis prefix and ports (set through the environment the README
# documents), so it collides with nothing; everything it starts is stopped and removed on every path.
#   scripts/fresh-clone-check.sh [REPOSITORY]     (default: this repository's committed HEAD)
set -euo pipefail
source_repo="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
started_at=$(date +%s)
id="$$$(head -c 2 /dev/urandom | od -An -tx1 | tr -d ' \n')"
base="$(mktemp -d /tmp/fresh-clone.XXXXXX)"
clone="$base/coaching"
db="coaching_fresh_${id}"
pg_server="${FRESH_PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
prefix="coaching-fresh-${id}"
start_pid=""

fail() { echo "fresh-clone-check: FAILED: $*" >&2; exit 1; }

cleanup() {
  local status=$?
  if [ -n "$start_pid" ]; then
    kill -TERM -- "-$start_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 -- "-$start_pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$start_pid" 2>/dev/null || true
  fi
  psql "$pg_server/postgres" -qAtc "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "${prefix}*" | xargs -r redis-cli -u "$redis_url" unlink >/dev/null || true
  if [ $status -ne 0 ] && [ -f "$base/start.log" ]; then echo "--- npm start output:" >&2; tail -n 30 "$base/start.log" >&2; fi
  rm -rf "$base"
  echo "fresh-clone-check: $([ $status -eq 0 ] && echo passed || echo failed) in $(( $(date +%s) - started_at )) s"
  exit $status
}
trap cleanup EXIT INT TERM

echo "== clone into an empty folder: $clone"
git clone --quiet --no-hardlinks "$source_repo" "$clone"
cd "$clone"
[ -z "$(ls -A "$base" | grep -v '^coaching$')" ] || fail "the clone's folder has something beside it"

# the README's two commands, found literally in its "Run it" section
readme_line() { grep -E "^$1( |$)" README.md | head -n 1 | sed 's/ *#.*$//'; }
test_cmd="$(readme_line 'npm ci && npm test')"
start_cmd="$(readme_line 'npm ci && npm start')"
[ "$test_cmd" = "npm ci && npm test" ] || fail "README.md no longer says \`npm ci && npm test\`"
[ "$start_cmd" = "npm ci && npm start" ] || fail "README.md no longer says \`npm ci && npm start\`"

# this check's own names (README, Configuration: TEST_DATABASE_URL, QUEUE_PREFIX, PORT, ...)
export TEST_DATABASE_URL="$pg_server/coaching_fresh_test_${id}"
export COACHING_TEST_REDIS_PREFIX="${prefix}-test"
export REDIS_URL="$redis_url"

echo "== $test_cmd"
bash -c "$test_cmd"

echo "== npm start (the README's \`$start_cmd\`; the install of the step above is reused)"
port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
worker_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export DATABASE_URL="postgres://coaching_app@${pg_server#postgres://*@}/${db}"
export DATABASE_OWNER_URL="$pg_server/${db}"
export QUEUE_PREFIX="$prefix" RATE_LIMIT_PREFIX="${prefix}-rl" PORT="$port" WORKER_HTTP_PORT="$worker_port"
setsid bash -c 'exec npm start' > "$base/start.log" 2>&1 &
start_pid=$!
for _ in $(seq 1 240); do
  grep -q 'API listening on' "$base/start.log" && break
  kill -0 "$start_pid" 2>/dev/null || fail "npm start exited"
  sleep 0.5
done
grep -q "GraphQL     http://localhost:${port}/graphql" "$base/start.log" || fail "the start-up block does not name http://localhost:${port}/graphql"
grep -q 'npm run seed-demo' "$base/start.log" || fail "the start-up block does not say how to get a token"

echo "== npm run seed-demo"
seed="$(npm run --silent seed-demo)"
echo "$seed" | grep -q '^Demo story written to practice demo-practice (12 events)\.$' || fail "seed-demo did not write the demo: $seed"
engagement_id="$(echo "$seed" | sed -n 's/^Engagement id: //p')"
coach_token="$(echo "$seed" | grep -A1 '^  COACH  (coach-mark)' | tail -n 1 | tr -d ' ')"
demo_admin_token="$(echo "$seed" | grep -A1 '^  ADMIN  (admin-demo)' | tail -n 1 | tr -d ' ')"
[ -n "$engagement_id" ] && [ -n "$coach_token" ] && [ -n "$demo_admin_token" ] || fail "seed-demo printed no engagement id, coach token or admin token"
again="$(npm run --silent seed-demo)"
echo "$again" | grep -q '^Demo story already in practice demo-practice; nothing written\.$' || fail "a second seed-demo wrote something: $again"

echo "== the README's queries, as the coach (as the admin where the query says so)"
ENGAGEMENT_ID="$engagement_id" TOKEN="$coach_token" ADMIN_TOKEN="$demo_admin_token" URL="http://127.0.0.1:${port}/graphql" node --input-type=module <<'NODE'
import { readFileSync } from 'node:fs';
const readme = readFileSync('README.md', 'utf8');
const tryIt = readme.slice(readme.indexOf('## Try it'), readme.indexOf('## ', readme.indexOf('## Try it') + 3));
const queries = [...tryIt.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
if (queries.length < 3) throw new Error(`README's Try it has ${queries.length} graphql blocks, expected 3`);
const id = process.env.ENGAGEMENT_ID;
const results = [];
for (const query of queries) {
  const res = await fetch(process.env.URL, {
    method: 'POST',
    // a query whose comment says "with the admin token" is sent as the seed's admin, every other as the coach
    headers: { 'content-type': 'application/json', authorization: `Bearer ${/with the admin token/.test(query) ? process.env.ADMIN_TOKEN : process.env.TOKEN}` },
    body: JSON.stringify({ query, variables: query.includes('$id') ? { id } : {} }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.errors || !body.data) throw new Error(`README query failed (HTTP ${res.status}): ${JSON.stringify(body)}\n${query}`);
  results.push(body.data);
}
// what the README promises of the demo
const [list, detail, timeline] = results;
const mine = list.engagements.edges.map((e) => e.node).find((n) => n.id === id);
if (!mine || !mine.intake || mine.intake.baseline.length === 0) throw new Error(`the coach's engagements lack the demo with its intake: ${JSON.stringify(list)}`);
const hw = Object.fromEntries(detail.engagement.homework.map((h) => [h.title, h]));
const hook = hw['Articulate your hook'];
const help = hw['Ask for help so people say yes'];
if (!hook || hook.drafts.length !== 2 || hook.drafts[1].feedback?.verdict !== 'ACCEPTED') throw new Error(`"Articulate your hook" is not accepted on the second draft: ${JSON.stringify(hook)}`);
if (!help || help.drafts.length !== 1 || help.drafts[0].feedback) throw new Error(`"Ask for help so people say yes" has no draft waiting for feedback: ${JSON.stringify(help)}`);
if (!(detail.engagement.jobSearch.applications > 0)) throw new Error('no job search in the demo');
const versions = timeline.engagement.timeline.edges.map((e) => e.node.version);
if (versions.length < 5 || versions[0] !== 1 || versions.some((v, i) => i > 0 && v !== versions[i - 1] + 1)) throw new Error(`the timeline is not the engagement's events oldest first: versions ${versions}`);
console.log(`README queries: ${queries.length} answered as the README says (engagement ${id})`);
NODE

echo "== the curl command seed-demo prints"
curl_cmd="$(echo "$seed" | sed -n '/^Or with curl/,$p' | tail -n +2 | sed 's/^  //')"
[ -n "$curl_cmd" ] || fail "seed-demo printed no curl command"
answer="$(bash -c "$curl_cmd")"
echo "$answer" | grep -q '"title"' || fail "the printed curl command got: $answer"
echo "$answer" | grep -q '"errors"' && fail "the printed curl command got errors: $answer"

echo "== npm run token (the README's line)"
token_line="$(grep -E '^npm run token -- ' README.md | head -n 1)"
admin_token="$(bash -c "${token_line/npm run token/npm run --silent token}")"
admin_answer="$(curl -fsS "http://127.0.0.1:${port}/graphql" -H 'content-type: application/json' -H "authorization: Bearer ${admin_token}" \
  -d '{"query":"{ engagements(first: 5) { edges { node { id } } } }"}')"
echo "$admin_answer" | grep -q "$engagement_id" || fail "the README's token command gave a token that does not see the demo: $admin_answer"

echo "== GraphiQL is served by the API (no CDN)"
curl -fsS -H 'accept: text/html' "http://127.0.0.1:${port}/graphql" | grep -q '/graphiql-assets/graphiql.min.js' || fail "no GraphiQL page on /graphql"
