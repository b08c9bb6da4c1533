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
  # --from-scratch: forget the state an earlier run pickled, so every start is clean and fast.
  start_bg localstripe "$VENV/bin/python" -m localstripe --port 8420 --from-scratch
  wait_port 127.0.0.1 8420 localstripe 60
}

# localstripe_register_webhook ID URL SECRET: makes localstripe send signed customer.created/updated/deleted
# events to URL (e.g. the api's http://127.0.0.1:8080/webhooks/stripe), signed with SECRET (the api's
# API_STRIPE_WEBHOOK_SECRETS). localstripe keeps endpoints in memory only: register after every start.
localstripe_register_webhook() {
  local id=$1 url=$2 secret=$3
  command -v curl >/dev/null || apt_install curl
  curl -fsS -X POST "$LOCALSTRIPE_URL/_config/webhooks/$id" \
    --data-urlencode "url=$url" --data-urlencode "secret=$secret" \
    -d 'events[]=customer.created' -d 'events[]=customer.updated' -d 'events[]=customer.deleted' >/dev/null ||
    die "registering webhook $id with localstripe failed"
}
