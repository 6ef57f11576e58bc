#!/usr/bin/env bash
# Builds the Docker image's runtime stage natively (CI machines have no Docker daemon) and starts
# it against the real PostgreSQL and Redis, as production runs it: the runtime stage's own steps
# (npm ci --omit=dev, the compiled dist/, the launcher) into an empty temporary folder, then
# migrate, the API and a worker with NODE_ENV=production, a query with a token, no GraphiQL,
# JSON logs. Its own database and Redis prefix; everything it starts is stopped on every path.
#   scripts/check-runtime.sh        (after npm ci; builds dist/ when missing)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# the runtime stage's steps, as the Dockerfile states them: this script does exactly these
expected='COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scripts/run-dist.mjs ./scripts/run-dist.mjs
RUN mkdir -p apps/api && chown node:node apps/api'
actual="$(awk '/^FROM .* AS runtime$/ { on = 1; next } /^FROM / { on = 0 } on && /^(COPY|RUN|ADD)/' docker/Dockerfile)"
if [ "$actual" != "$expected" ]; then
  printf 'check-runtime: the Dockerfile runtime stage changed; update this script to match.\nexpected:\n%s\nfound:\n%s\n' "$expected" "$actual" >&2
  exit 1
fi

run_id="$$_$(head -c 3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
db="coaching_runtime_${run_id}"
prefix="coaching-runtime-${run_id//_/-}"
pg_base="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/coaching_test}"
owner_url="$(node -e 'const u=new URL(process.argv[1]);u.pathname="/"+process.argv[2];console.log(u.toString())' "$pg_base" "$db")"
app_url="$(node -e 'const u=new URL(process.argv[1]);u.username="coaching_app";u.password=process.env.TEST_APP_DATABASE_PASSWORD||"";console.log(u.toString())' "$owner_url")"
admin_url="$(node -e 'const u=new URL(process.argv[1]);u.pathname="/postgres";console.log(u.toString())' "$pg_base")"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
work="$(mktemp -d /tmp/coaching-runtime.XXXXXX)"
pids=()

cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql "$admin_url" -qAtc "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$redis_url" --scan --pattern "${prefix}*" | xargs -r redis-cli -u "$redis_url" unlink >/dev/null || true
  rm -rf "$work"
  if [ $status -ne 0 ]; then
    echo "check-runtime: FAILED (logs below)" >&2
    tail -n 20 "$work.api.log" "$work.worker.log" 2>/dev/null >&2 || true
  fi
  rm -f "$work.api.log" "$work.worker.log"
  exit $status
}
trap cleanup EXIT INT TERM

echo "== runtime stage, natively, in $work"
[ -f dist/apps/api/src/main.js ] || npm run build
cp package.json package-lock.json "$work/"
(cd "$work" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
cp -r dist "$work/dist"
mkdir -p "$work/scripts" "$work/apps/api"
cp scripts/run-dist.mjs "$work/scripts/run-dist.mjs"
if [ -d "$work/node_modules/jest" ] || [ -d "$work/node_modules/playwright-core" ]; then
  echo "check-runtime: dev dependencies ended up in the runtime file set" >&2
  exit 1
fi

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
worker_port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export NODE_ENV=production HOST=127.0.0.1 PORT="$port" WORKER_HTTP_PORT="$worker_port"
export DATABASE_URL="$app_url" DATABASE_OWNER_URL="$owner_url" REDIS_URL="$redis_url"
export QUEUE_PREFIX="$prefix" RATE_LIMIT_PREFIX="${prefix}-rl" DATABASE_POOL_SIZE=3
export JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export SECRETS_KEYS="k1:$(head -c 32 /dev/urandom | base64 | tr -d '\n')"

cd "$work"
echo "== migrate (production)"
node dist/apps/cli/src/main.js migrate
node dist/apps/api/src/main.js > "$work.api.log" 2>&1 &
pids+=($!)
node dist/apps/worker/src/main.js > "$work.worker.log" 2>&1 &
pids+=($!)

echo "== waiting for the API and the worker to be ready"
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:${port}/health/ready" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:${worker_port}/health/ready" >/dev/null 2>&1; then break; fi
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "check-runtime: a process exited during start-up" >&2; exit 1; }; done
  sleep 0.5
done
curl -fsS "http://127.0.0.1:${port}/health/ready" >/dev/null
curl -fsS "http://127.0.0.1:${worker_port}/health/ready" >/dev/null

token="$(node dist/apps/cli/src/main.js token --practice runtime-check --role COACH --sub coach-1)"
answer="$(curl -fsS "http://127.0.0.1:${port}/graphql" -H 'content-type: application/json' -H "authorization: Bearer ${token}" \
  -d '{"query":"{ engagements(first: 1) { edges { node { id } } } }"}')"
[ "$answer" = '{"data":{"engagements":{"edges":[]}}}' ] || { echo "check-runtime: unexpected answer: $answer" >&2; exit 1; }
page_type="$(curl -sS -o /dev/null -w '%{content_type}' -H 'accept: text/html' "http://127.0.0.1:${port}/graphql")"
case "$page_type" in text/html*) echo "check-runtime: production serves GraphiQL" >&2; exit 1 ;; esac
# production logs are JSON lines with ISO times
head -n 1 "$work.api.log" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s);if(!/^\d{4}-\d\d-\d\dT/.test(l.time))process.exit(1)})' \
  || { echo "check-runtime: the API's first log line is not JSON with an ISO time" >&2; exit 1; }
echo "check-runtime: the runtime file set ($(du -sh node_modules | cut -f1) of node_modules) migrates, serves a query with a token in production, no GraphiQL, JSON logs"
