# salesforce-sim, the local Salesforce (crates/integrations/salesforce/sim), and what its conformance suite needs:
# simple-salesforce in the venv (scripts/requirements.txt) and jsforce from tests/conformance/salesforce's
# package-lock.json (npm ci). `salesforce_sim_up` installs; `salesforce_sim_start BIN` starts the binary in
# the background for scripts/up. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/python.sh"

SALESFORCE_SIM_CONFORMANCE="$ROOT/tests/conformance/salesforce"
export SALESFORCE_SIM_HTTP_URL=${SALESFORCE_SIM_HTTP_URL:-http://127.0.0.1:7480}
export SALESFORCE_SIM_HTTPS_URL=${SALESFORCE_SIM_HTTPS_URL:-https://127.0.0.1:7443}
export SALESFORCE_SIM_CA_PEM=${SALESFORCE_SIM_CA_PEM:-$RUN/salesforce-sim-tls/ca.pem}

salesforce_sim_up() {
  python_up
  command -v npm >/dev/null || apt_install nodejs npm
  local lock="$SALESFORCE_SIM_CONFORMANCE/package-lock.json" stamp="$SALESFORCE_SIM_CONFORMANCE/node_modules/.ci-stamp"
  if ! cmp -s "$lock" "$stamp"; then
    log "installing jsforce (npm ci in tests/conformance/salesforce)"
    (cd "$SALESFORCE_SIM_CONFORMANCE" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    cp "$lock" "$stamp"
  fi
}

# salesforce_sim_start BIN: starts BIN (a built salesforce-sim) on 127.0.0.1:7480 (HTTP) and :7443 (HTTPS)
# with its state in $RUN/salesforce-sim.json and its CA in $SALESFORCE_SIM_CA_PEM, unless already running.
# The caller's SFSIM_* variables (e.g. SFSIM_OUTBOUND_URL, SFSIM_EXCLUDE_CLIENT) pass through.
salesforce_sim_start() {
  local bin=$1
  port_open 127.0.0.1 7480 && return 0
  log "starting salesforce-sim on 127.0.0.1:7480 and https 127.0.0.1:7443"
  SFSIM_HTTP_ADDR=127.0.0.1:7480 SFSIM_HTTPS_ADDR=127.0.0.1:7443 \
    SFSIM_TLS_DIR="$(dirname "$SALESFORCE_SIM_CA_PEM")" \
    SFSIM_DATA_FILE="${SFSIM_DATA_FILE:-$RUN/salesforce-sim.json}" \
    SFSIM_JWT_CERT_FILE="${SFSIM_JWT_CERT_FILE:-$ROOT/crates/integrations/salesforce/sim/fixtures/jwt-test-cert.pem}" \
    start_bg salesforce-sim "$bin"
  wait_port 127.0.0.1 7480 salesforce-sim 30
  wait_port 127.0.0.1 7443 salesforce-sim 30
}
