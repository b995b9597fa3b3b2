#!/usr/bin/env bash
# A measurement that shares no code with `npm run bench`: two instances of the build,
# every setup call made by `buf curl` through server reflection, request bodies encoded by
# `buf convert` from JSON, load from two h2load processes at once (one per instance,
# 8 connections × 8 streams each: 16 × 8 in all), statuses read from the servers'
# /metrics. It prints each method's OK calls/s beside the health check's of the same
# round, rounds interleaved so that the machine's noise falls on all of them alike.
#
#   bash bench/independent.sh            # 3 rounds of 10 s per method
#   ROUNDS=5 DURATION=20 bash bench/independent.sh
#
# CreateUser is not here: every call needs a code of its own, which h2load (one body
# for every request) cannot send; the bench's raw driver measures it.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-8}
STREAMS=${STREAMS:-8}
BUF=node_modules/.bin/buf
SCHEMA=src/gen/userlink.binpb

bash scripts/ensure-services.sh
command -v h2load >/dev/null || {
  echo "installing h2load (nghttp2-client)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nghttp2-client >/dev/null
}
node scripts/build-if-stale.mjs

WORK=$(mktemp -d)
DB="userlink_independent_$$"
PREFIX="independent:$$:"
ADMIN_TOKEN="independent-admin-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  dropdb -h 127.0.0.1 -U postgres --if-exists "$DB" 2>/dev/null || true
  redis-cli -h 127.0.0.1 --scan --pattern "${PREFIX}*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
createdb -h 127.0.0.1 -U postgres "$DB"

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Two instances on one database and one Redis, as behind a load balancer.
GRPC=()
OPS=()
for i in 0 1; do
  GRPC[i]=$(free_port)
  OPS[i]=$(free_port)
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB" REDIS_URL=redis://127.0.0.1:6379 \
    USERLINK_ADMIN_TOKEN="$ADMIN_TOKEN" USERLINK_REDIS_KEY_PREFIX="$PREFIX" USERLINK_LOG_LEVEL=warn \
    USERLINK_HOST=127.0.0.1 USERLINK_GRPC_PORT="${GRPC[i]}" USERLINK_GRPCWEB_PORT="$(free_port)" \
    USERLINK_OPS_PORT="${OPS[i]}" USERLINK_RATE_KEY_MAX=0 USERLINK_RATE_CREATE_USER_FAILURES_MAX=1000000 \
    node dist/src/cli/main.js serve >"$WORK/server-$i.log" 2>&1 &
  PIDS+=($!)
done
for i in 0 1; do
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:${OPS[i]}/readyz" >/dev/null && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:${OPS[i]}/readyz" >/dev/null || {
    cat "$WORK/server-$i.log" >&2
    exit 1
  }
done

call() { # call <instance> <bearer> <service/method> <json>
  "$BUF" curl --protocol grpc --http2-prior-knowledge --reflect-protocol grpc-v1 \
    -H "authorization: Bearer $2" -d "$4" "http://127.0.0.1:${GRPC[$1]}/userlink.v1.$3"
}
APP_ID=$(call 0 "$ADMIN_TOKEN" AdminService/CreateApp '{"displayName":"independent"}' | jq -r .app.appId)
API_KEY=$(call 1 "$ADMIN_TOKEN" AdminService/CreateApiKey \
  "{\"appId\":\"$APP_ID\",\"name\":\"load\",\"scopes\":[\"API_KEY_SCOPE_USER_LINK\"]}" | jq -r .apiKey)
CODE=$(call 0 "$API_KEY" LinkService/RequestAuthCode '{"externalUserId":"independent-existing"}' |
  jq -r .authenticationCode)
ACCESS_TOKEN=$(call 1 "" DeviceService/CreateUser "{\"authenticationCode\":\"$CODE\",\"requestId\":\"$(cat /proc/sys/kernel/random/uuid)\",
  \"app\":{\"appVersion\":\"1.0.0\",\"sdkVersion\":\"1.0.0\"},
  \"device\":{\"platform\":\"PLATFORM_IOS\",\"deviceType\":\"DEVICE_TYPE_PHONE\",\"model\":\"iPhone15,2\",\"osVersion\":\"17.1\"}}" |
  jq -r .credentials.accessToken)

body() { # body <file> <message type> <json>: a length-prefixed gRPC message
  echo "$3" | "$BUF" convert "$SCHEMA" --type "$2" --from -#format=json --to "$WORK/message#format=binpb"
  local n
  n=$(stat -c %s "$WORK/message")
  printf "$(printf '\\x00\\x%02x\\x%02x\\x%02x\\x%02x' $((n >> 24 & 255)) $((n >> 16 & 255)) $((n >> 8 & 255)) $((n & 255)))" >"$1"
  cat "$WORK/message" >>"$1"
}
body "$WORK/health" grpc.health.v1.HealthCheckRequest '{}'
body "$WORK/existing" userlink.v1.RequestAuthCodeRequest '{"externalUserId":"independent-existing"}'
body "$WORK/new" userlink.v1.RequestAuthCodeRequest '{"externalUserId":"independent-never-redeemed"}'
body "$WORK/status" userlink.v1.GetDeviceStatusRequest '{}'

ok_calls() { # ok_calls <method>: OK calls of that method on both instances so far
  local total=0 n
  for i in 0 1; do
    n=$(curl -sf "http://127.0.0.1:${OPS[i]}/metrics" |
      awk -v m="$1" '/^userlink_grpc_calls_total\{/ && index($0, "method=\"" m "\"") && index($0, "code=\"OK\"") { s += $NF } END { print s + 0 }')
    total=$((total + n))
  done
  echo "$total"
}

# load <name> <path> <body> <bearer>: prints OK calls/s and the h2load latency lines
load() {
  local path=$2 body=$3 bearer=$4 method before after
  method=${path#/}
  before=$(ok_calls "$method")
  local loads=()
  for i in 0 1; do
    h2load "http://127.0.0.1:${GRPC[i]}$path" -d "$body" -c "$CONNECTIONS" -m "$STREAMS" -t 1 \
      -D "$DURATION" --warm-up-time "$WARMUP" \
      -H "content-type: application/grpc" -H "te: trailers" ${bearer:+-H "authorization: Bearer $bearer"} \
      >"$WORK/h2load-$i" 2>&1 &
    loads+=($!)
  done
  wait "${loads[@]}"
  after=$(ok_calls "$method")
  # Calls finished in the warm-up count too: divide by the whole time the load ran.
  local rps
  rps=$(awk -v n=$((after - before)) -v d="$((DURATION + WARMUP))" 'BEGIN { printf "%.0f", n / d }')
  local p50
  p50=$(grep -h "^time for request" "$WORK"/h2load-* | awk '{ print $6 }' | paste -sd/)
  printf '%-28s %8s OK/s   mean per instance %s\n' "$1" "$rps" "$p50"
  echo "$rps" >>"$WORK/$1.rps"
}

echo "two instances, h2load ${CONNECTIONS}×${STREAMS} on each, ${DURATION} s (+${WARMUP} s warm-up), ${ROUNDS} rounds"
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round"
  load health /grpc.health.v1.Health/Check "$WORK/health" ""
  load request-auth-code-existing /userlink.v1.LinkService/RequestAuthCode "$WORK/existing" "$API_KEY"
  load request-auth-code-new /userlink.v1.LinkService/RequestAuthCode "$WORK/new" "$API_KEY"
  load get-device-status /userlink.v1.DeviceService/GetDeviceStatus "$WORK/status" "$ACCESS_TOKEN"
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
health=$(median "$WORK/health.rps")
echo "medians of ${ROUNDS} rounds (ratio to the health check's median)"
for name in health request-auth-code-existing request-auth-code-new get-device-status; do
  m=$(median "$WORK/$name.rps")
  awk -v n="$name" -v m="$m" -v h="$health" 'BEGIN { printf "%-28s %8d OK/s   %.2f\n", n, m, m / h }'
done
