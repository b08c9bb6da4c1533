# The layers of docs/architecture.md, checked on the dependency graph (cargo tree, normal dependencies only:
# what a crate links, not what its tests use). A rule broken here is a layer crossed: the HTTP clients pulling
# in a database or a Kafka client, the core depending on a system's crate.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# links CRATE: every package CRATE links (transitively), one name a line.
links() { cargo tree --locked -q -p "$1" -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u; }

# forbid CRATE PACKAGE...: fails, naming the path, if CRATE links any PACKAGE.
forbid() {
  local crate=$1 linked bad=0 p; shift
  linked=$(links "$crate")
  for p in "$@"; do
    if grep -qx "$p" <<<"$linked"; then
      printf 'error: %s links %s:\n' "$crate" "$p" >&2
      cargo tree --locked -q -p "$crate" -e normal -i "$p" >&2 || true
      bad=1
    fi
  done
  return $bad
}

# dev_cycles: fails, naming them, if a crate's dev-dependency depends on that crate (through normal
# dependencies) or has it as a dev-dependency in turn.
dev_cycles() {
  cargo metadata --locked --no-deps --format-version 1 | python3 -c '
import json, sys
packages = {p["name"]: p for p in json.load(sys.stdin)["packages"]}
def deps(name, kind):
    return [d["name"] for d in packages[name]["dependencies"] if d["kind"] == kind and d["name"] in packages]
def reach(name, seen):
    for d in deps(name, None):
        if d not in seen:
            seen.add(d)
            reach(d, seen)
    return seen
cycles = [(n, d) for n in sorted(packages) for d in deps(n, "dev") if n in reach(d, set()) or n in deps(d, "dev")]
for n, d in cycles:
    print(f"error: {n}: its tests use {d}, which depends on {n} or uses it in its own tests", file=sys.stderr)
sys.exit(1 if cycles else 0)
'
}

layers_check() {
  local bad=0 crate
  # Sanity: the check sees transitive dependencies (the api links diesel through store), or it checks nothing.
  grep -qx diesel <<<"$(links api)" || die "layers: cargo tree shows no diesel under the api; the check is broken"
  # The domain and the contract between binaries: plain data.
  for crate in model events; do
    forbid "$crate" diesel diesel-async rdkafka reqwest actix-web || bad=1
  done
  # The HTTP clients and the stand-ins: HTTP only, no database, no Kafka.
  for crate in stripe-client salesforce-client stripe-sim salesforce-sim; do
    forbid "$crate" diesel diesel-async rdkafka store kafka || bad=1
  done
  # The core names no system's crate.
  for crate in model events store kafka sync-core telemetry; do
    forbid "$crate" stripe-client salesforce-client sync-stripe sync-salesforce stripe-sim salesforce-sim \
      registry api producer-relay consumer-worker syncctl || bad=1
  done
  # The core's code names no system: no string literal is a system's id (a folder under crates/integrations
  # with a client); systems are data, declared by their own crates and listed once in the registry.
  local id hits
  for id in $(cd "$ROOT/crates/integrations" && for d in */client; do echo "${d%/client}"; done); do
    hits=$(grep -rn --include='*.rs' "\"$id\"" "$ROOT"/crates/core/*/src | grep -v '^[^:]*:[0-9]*:\s*//' || true)
    if [[ -n "$hits" ]]; then
      printf 'error: the core names the system %s:\n%s\n' "$id" "$hits" >&2
      bad=1
    fi
  done
  # The connectors talk to their system and the store, never to Kafka.
  for crate in sync-stripe sync-salesforce registry; do
    forbid "$crate" rdkafka kafka || bad=1
  done
  # No crate's tests depend on a crate that depends on it (tests across crates live in crates/tools/e2e).
  dev_cycles || bad=1
  ((bad == 0)) || die "layers: a crate crosses its layer (above); see docs/architecture.md"
  log "layers: ok"
}
