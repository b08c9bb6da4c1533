# The api against its own OpenAPI document: schemathesis (scripts/requirements.txt) generates requests from
# /openapi.json and checks every answer against it. Builds on what scripts/test started (PostgreSQL, Kafka)
# and on target/debug/api.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/python.sh"
source "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

# Generated examples per operation and phase. One worker: schemathesis is CPU-bound Python, and with two
# threads CPython 3.11's ast module can fail ("AST constructor recursion depth mismatch") inside Hypothesis.
SCHEMATHESIS_EXAMPLES=${SCHEMATHESIS_EXAMPLES:-100}
# A fixed seed, so that a run can be repeated; a new one with SCHEMATHESIS_SEED.
SCHEMATHESIS_SEED=${SCHEMATHESIS_SEED:-20261128}

# api_contract_check: starts target/debug/api on a free port over a throwaway database, runs schemathesis
# against its /openapi.json with a bootstrap admin key, then stops the api and drops the database. Fails on
# any failure schemathesis reports. Which checks run, and why some operations expect more statuses, is in
# scripts/schemathesis.toml.
api_contract_check() {
  (
    set -euo pipefail
    local db="customer_sync_contract_$$" port key url api_pid=
    port=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    key="contract-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    url="${DATABASE_URL%/*}/$db"
    # shellcheck disable=SC2317  # called by the trap
    stop() {
      [[ -n "$api_pid" ]] && kill -TERM "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
      runuser -u postgres -- psql -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    }
    trap stop EXIT
    runuser -u postgres -- psql -qc "CREATE DATABASE $db OWNER $PG_USER"
    # No STRIPE_* or SALESFORCE_* client settings: the pass-through endpoints answer 503 (documented). The
    # webhook secrets are set, so that the receivers check signatures (400/403) instead of answering 503.
    export API_DATABASE_URL=$url API_LISTEN=127.0.0.1:$port API_KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
    export API_BOOTSTRAP_ADMIN_KEY=$key API_RATE_LIMIT_PER_SEC=100000 API_RATE_LIMIT_BURST=100000
    export API_STRIPE_WEBHOOK_SECRETS="whsec_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    export API_SALESFORCE_CALLOUT_SECRETS="sfcs_$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    export API_SALESFORCE_OUTBOUND_TOKEN="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    export API_SALESFORCE_ORG_ID=00D000000000001AAA RUST_LOG=${RUST_LOG:-warn}
    unset SALESFORCE_LOGIN_URL STRIPE_SECRET_KEY
    SYNCCTL_DATABASE_URL=$API_DATABASE_URL "$ROOT/target/debug/syncctl" migrate
    "$ROOT/target/debug/api" >"$RUN/log/contract-api.log" 2>&1 &
    api_pid=$!
    wait_port 127.0.0.1 "$port" contract-api 30
    mkdir -p "$RUN/schemathesis"
    curl -fsS "http://127.0.0.1:$port/openapi.json" >"$RUN/schemathesis/openapi.json"
    log "schemathesis against http://127.0.0.1:$port/openapi.json ($SCHEMATHESIS_EXAMPLES examples, seed $SCHEMATHESIS_SEED)"
    (cd "$RUN" && "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/schemathesis.toml" run \
      "http://127.0.0.1:$port/openapi.json" \
      --header "Authorization: Bearer $key" \
      --max-examples "$SCHEMATHESIS_EXAMPLES" --seed "$SCHEMATHESIS_SEED" \
      --workers 1 --generation-database none --no-color \
      --report junit --report-dir "$RUN/schemathesis")
  )
}
