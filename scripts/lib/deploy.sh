# Checks deploy/ without a cluster or a container engine: the Kubernetes manifests against the Kubernetes
# JSON schemas (kubernetes-validate, which ships them), the compose file against the Compose Specification
# schema shipped in the compose-go Go module (fetched once with `go mod download` into .cache/go), and the
# project's own rules across both (tests/deploy/validate.py). Offline once the venv and the module are cached.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/python.sh"

DEPLOY_K8S_VERSIONS=(1.30.0 1.37.0)   # the oldest and the newest Kubernetes the manifests are checked against
COMPOSE_GO_VERSION=v2.16.2
COMPOSE_GO_SUM="h1:pTp1DqQwJzFd85GzlWsSszKA1ABrV/ySqsClujIcWA8="   # go.sum line of that version's zip

# compose_schema: prints the path of compose-spec.json from the pinned compose-go module, downloading the
# module into .cache/go/mod the first time (later runs read the cache and need no network).
compose_schema() {
  command -v go >/dev/null || apt_install golang-go
  local json dir sum
  json="$(GOMODCACHE="$CACHE/go/mod" GOFLAGS=-modcacherw go mod download -json \
    "github.com/compose-spec/compose-go/v2@$COMPOSE_GO_VERSION")" || die "go mod download of compose-go failed: $json"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  sum="$(sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p' <<<"$json")"
  [[ "$sum" == "$COMPOSE_GO_SUM" ]] || die "compose-go $COMPOSE_GO_VERSION has sum '$sum', expected $COMPOSE_GO_SUM"
  [[ -f "$dir/schema/compose-spec.json" ]] || die "no schema/compose-spec.json in $dir"
  echo "$dir/schema/compose-spec.json"
}

# deploy_validate K8S_DIR COMPOSE_FILE: runs the three checks on these files, printing what fails; returns 1
# when anything does.
deploy_validate() {
  local k8s_dir=$1 compose=$2 out rc=0 v schema
  local -a files=("$k8s_dir"/*.yaml) versions=()
  [[ -f "${files[0]}" ]] || { printf 'error: no Kubernetes manifests in %s\n' "$k8s_dir" >&2; return 1; }
  for v in "${DEPLOY_K8S_VERSIONS[@]}"; do versions+=(-k "$v"); done

  log "deploy: ${#files[@]} Kubernetes manifests (kubernetes-validate --strict, Kubernetes ${DEPLOY_K8S_VERSIONS[*]})"
  # It only warns about a kind or apiVersion it has no schema for, and exits 0: count that as a failure too.
  out="$("$VENV/bin/kubernetes-validate" --strict --quiet "${versions[@]}" "${files[@]}" 2>&1)" || rc=1
  [[ -z "$out" ]] || { printf '%s\n' "$out" >&2; rc=1; }

  log "deploy: compose file (Compose Specification schema of compose-go $COMPOSE_GO_VERSION)"
  schema="$(compose_schema)" || return 1
  "$VENV/bin/python" "$ROOT/tests/deploy/validate.py" compose "$schema" "$compose" >&2 || rc=1

  log "deploy: selectors, references, variable names and topic settings across both"
  "$VENV/bin/python" "$ROOT/tests/deploy/validate.py" project "$k8s_dir" "$compose" >&2 || rc=1
  return "$rc"
}

# Broken copies that deploy_validate must refuse: "NAME|FILE (in deploy/)|sed expression changing it".
DEPLOY_BROKEN=(
  "k8s: misspelt field|k8s/customer-sync.yaml|s/readinessProbe:/readinesProbe:/"
  "k8s: string for an integer|k8s/customer-sync.yaml|0,/maxReplicas: 10/s//maxReplicas: \"10\"/"
  "k8s: apiVersion without a schema|k8s/customer-sync.yaml|s#^apiVersion: policy/v1#apiVersion: policy/v1beta7#"
  "k8s: worker without its replication factor|k8s/customer-sync.yaml|0,/- \\{ name: WORKER_KAFKA_REPLICATION.*/s///"
  "k8s: misspelt variable|k8s/customer-sync.yaml|s/name: RELAY_KAFKA_PARTITIONS,/name: RELAY_KAFKA_PARTITION,/"
  "k8s: Secret key that is not there|k8s/config.yaml|s/^  RELAY_DATABASE_URL:/  RELAY_DB_URL:/"
  "k8s: duplicate key|k8s/migrate.yaml|s/^(  backoffLimit: 3)$/\\1\\n  backoffLimit: 4/"
  "compose: misspelt service field|compose.yaml|0,/    depends_on:/s//    depend_on:/"
  "compose: string for a list|compose.yaml|s/ports: \\[\"8080:8080\"\\]/ports: \"8080:8080\"/"
  "compose: value outside its enum|compose.yaml|0,/condition: service_healthy/s//condition: service_heathy/"
  "compose: malformed duration|compose.yaml|s/interval: 2s,/interval: 2 seconds,/"
  "compose: relay and workers disagree on replication|compose.yaml|s/RELAY_KAFKA_REPLICATION: \\*kafka-replication/RELAY_KAFKA_REPLICATION: 3/"
  "compose: duplicate key|compose.yaml|s/^(    command: \\[\"producer-relay\"\\])$/\\1\\n\\1/"
)

# deploy_rejects: proves the checks still bite: each DEPLOY_BROKEN copy of deploy/ must fail them.
deploy_rejects() {
  local tmp case name file expr rc=0
  tmp="$(mktemp -d)"
  for case in "${DEPLOY_BROKEN[@]}"; do
    IFS='|' read -r name file expr <<<"$case"
    rm -rf "$tmp/deploy" && cp -r "$ROOT/deploy" "$tmp/deploy"
    sed -i -E "$expr" "$tmp/deploy/$file"
    if cmp -s "$ROOT/deploy/$file" "$tmp/deploy/$file"; then
      printf 'error: broken copy "%s": the sed expression changed nothing in %s\n' "$name" "$file" >&2; rc=1
    elif deploy_validate "$tmp/deploy/k8s" "$tmp/deploy/compose.yaml" >"$tmp/out" 2>&1; then
      printf 'error: broken copy "%s" passed the checks:\n' "$name" >&2; cat "$tmp/out" >&2; rc=1
    else
      printf '    refused: %s (%s)\n' "$name" "$(grep -m1 -E '^(ERROR|WARN)' "$tmp/out" | cut -c1-160)" >&2
    fi
  done
  rm -rf "$tmp"
  return "$rc"
}

# deploy_check [K8S_DIR [COMPOSE_FILE]]: the checks on deploy/ (or the given files) must pass, and every
# broken copy must fail them. Fails on any problem.
deploy_check() {
  python_up
  deploy_validate "${1:-$ROOT/deploy/k8s}" "${2:-$ROOT/deploy/compose.yaml}" ||
    { printf 'error: deploy files failed their checks (above)\n' >&2; return 1; }
  log "deploy: ${#DEPLOY_BROKEN[@]} deliberately broken copies must be refused"
  deploy_rejects || { printf 'error: a broken deploy file was not refused (above)\n' >&2; return 1; }
  log "deploy files: ok"
}
