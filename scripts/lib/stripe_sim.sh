# stripe-sim, the local Stripe (crates/integrations/stripe/sim), and what its conformance suite needs: stripe-python in
# the venv (scripts/requirements.txt) and stripe-node from tests/conformance/stripe's package-lock.json
# (npm ci). `stripe_sim_up` installs; `stripe_sim_start BIN` starts the binary in the background for
# scripts/up. Idempotent. Exports STRIPE_SIM_URL.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/python.sh"

STRIPE_SIM_CONFORMANCE="$ROOT/tests/conformance/stripe"
export STRIPE_SIM_URL=${STRIPE_SIM_URL:-http://127.0.0.1:8430}

stripe_sim_up() {
  python_up
  command -v npm >/dev/null || apt_install nodejs npm
  local lock="$STRIPE_SIM_CONFORMANCE/package-lock.json" stamp="$STRIPE_SIM_CONFORMANCE/node_modules/.ci-stamp"
  if ! cmp -s "$lock" "$stamp"; then
    log "installing stripe-node (npm ci in tests/conformance/stripe)"
    (cd "$STRIPE_SIM_CONFORMANCE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lock" "$stamp"
  fi
}

# stripe_sim_start BIN: starts BIN (a built stripe-sim) on 127.0.0.1:8430 with its state in
# $RUN/stripe-sim.json, unless something already listens there. The caller's STRIPESIM_* variables
# (e.g. STRIPESIM_WEBHOOK_URL, STRIPESIM_WEBHOOK_SECRET) pass through.
stripe_sim_start() {
  local bin=$1
  port_open 127.0.0.1 8430 && return 0
  log "starting stripe-sim on 127.0.0.1:8430"
  STRIPESIM_ADDR=127.0.0.1:8430 STRIPESIM_DATA_FILE="${STRIPESIM_DATA_FILE:-$RUN/stripe-sim.json}" \
    start_bg stripe-sim "$bin"
  wait_port 127.0.0.1 8430 stripe-sim 30
}
