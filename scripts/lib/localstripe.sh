# localstripe, a stateful fake Stripe (Python, pinned in scripts/requirements.txt): customers CRUD and list,
# and signed webhooks to endpoints registered with POST /_config/webhooks/{id}. The default Stripe of
# `scripts/up` and the end-to-end tests. Started on 127.0.0.1:8420. Idempotent. Exports LOCALSTRIPE_URL.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/python.sh"

export LOCALSTRIPE_URL=${LOCALSTRIPE_URL:-http://127.0.0.1:8420}

localstripe_up() {
  port_open 127.0.0.1 8420 && return 0
  python_up
  log "starting localstripe on 127.0.0.1:8420"
  start_bg localstripe "$VENV/bin/python" -m localstripe --port 8420
  wait_port 127.0.0.1 8420 localstripe 60
}
