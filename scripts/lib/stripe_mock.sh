# stripe-mock, Stripe's official stateless API mock (Go): validates every request against Stripe's OpenAPI
# spec and answers with fixtures. Installed with `go install` at a pinned version, started on 127.0.0.1:12111
# (HTTP) and 12112 (HTTPS). Idempotent. Exports STRIPE_MOCK_URL.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STRIPE_MOCK_VERSION=v0.203.0
export STRIPE_MOCK_URL=${STRIPE_MOCK_URL:-http://127.0.0.1:12111}

stripe_mock_bin() {
  local gobin
  gobin="$(go env GOBIN)"
  echo "${gobin:-$(go env GOPATH)/bin}/stripe-mock"
}

stripe_mock_up() {
  port_open 127.0.0.1 12111 && return 0
  command -v go >/dev/null || apt_install golang-go
  local minor
  minor="$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
  ((minor >= 22)) || die "stripe-mock needs Go >= 1.22 (found $(go env GOVERSION)); install a newer Go (e.g. Debian backports or the official tarball)"
  local bin
  bin="$(stripe_mock_bin)"
  if [[ ! -x "$bin" ]] || ! go version -m "$bin" 2>/dev/null | grep -q "stripe-mock[[:space:]]*$STRIPE_MOCK_VERSION"; then
    log "installing stripe-mock $STRIPE_MOCK_VERSION"
    go install "github.com/stripe/stripe-mock@$STRIPE_MOCK_VERSION"
  fi
  log "starting stripe-mock on 127.0.0.1:12111"
  start_bg stripe-mock "$bin" -http-addr 127.0.0.1:12111 -https-addr 127.0.0.1:12112
  wait_port 127.0.0.1 12111 stripe-mock 60
}
