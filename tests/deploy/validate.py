"""Offline checks of deploy/ that the JSON schemas cannot make (run by scripts/lib/deploy.sh):

  validate.py compose SCHEMA FILE     FILE against the Compose Specification schema (draft 2020-12)
  validate.py project K8S_DIR COMPOSE cross-checks of the Kubernetes manifests and the compose file

Every YAML file is read with duplicate mapping keys refused (PyYAML would keep the last one silently).
Exits 1 and prints one line per problem when something is wrong.
"""

import json
import re
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]

# The binaries' own variables: the fields of each configuration struct, read with envy under this prefix.
CONFIG_STRUCTS = [
    ("crates/services/api/src/config.rs", "ApiConfig", "API_"),
    ("crates/services/producer-relay/src/config.rs", "RelayConfig", "RELAY_"),
    ("crates/services/consumer-worker/src/config.rs", "WorkerConfig", "WORKER_"),
    ("crates/integrations/stripe/client/src/config.rs", "StripeConfig", "STRIPE_"),
    ("crates/integrations/salesforce/client/src/config.rs", "Config", "SALESFORCE_"),
]
PREFIXES = tuple(prefix for _, _, prefix in CONFIG_STRUCTS)
BINARIES = {"api", "producer-relay", "consumer-worker"}
TOPIC_CREATORS = {"producer-relay": "RELAY_", "consumer-worker": "WORKER_"}
TOPIC_SETTINGS = ("KAFKA_PARTITIONS", "KAFKA_REPLICATION")


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping key given twice (merge keys `<<` may still be overridden)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_all(path):
    with open(path) as f:
        return [doc for doc in yaml.load_all(f, Loader=StrictLoader) if doc is not None]


def known_variables():
    names = {"RUST_LOG"}
    for file, struct, prefix in CONFIG_STRUCTS:
        text = (ROOT / file).read_text()
        body = re.search(r"pub struct %s \{\n(.*?)\n\}" % struct, text, re.S)
        if not body:
            sys.exit(f"validate.py: struct {struct} not found in {file}")
        skip = False
        for line in body.group(1).splitlines():
            line = line.strip()
            if line.startswith("#[") and "serde(skip" in line:
                skip = True
            m = re.match(r"pub (\w+):", line)
            if m:
                if not skip:
                    names.add(prefix + m.group(1).upper())
                skip = False
    return names


# --- compose schema ---------------------------------------------------------------------------------------

def check_compose_schema(schema_path, compose_path):
    schema = json.loads(Path(schema_path).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    try:
        docs = load_all(compose_path)
    except yaml.YAMLError as e:
        return [f"{compose_path}: {e}"]
    if len(docs) != 1:
        return [f"{compose_path}: expected one YAML document, found {len(docs)}"]
    # The deepest errors first: an error inside a service also fails the service's unevaluatedProperties.
    errors = sorted(validator.iter_errors(docs[0]), key=lambda e: (-len(e.absolute_path), list(map(str, e.absolute_path))))
    return [f"{compose_path}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


# --- project checks ---------------------------------------------------------------------------------------


def one_value(problems, where, what, values):
    """values: {place: value}. Every place must set it, all to one value."""
    distinct = {v for v in values.values()}
    if len(distinct) > 1:
        problems.append(f"{where}: {what} differs: " + ", ".join(f"{p}={v}" for p, v in sorted(values.items())))
    return distinct.pop() if len(distinct) == 1 else None


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_k8s(k8s_dir, known, problems):
    resources = []
    for path in sorted(Path(k8s_dir).glob("*.yaml")):
        try:
            resources += [(path.name, doc) for doc in load_all(path)]
        except yaml.YAMLError as e:
            problems.append(f"{path}: {e}")
    by_kind = {}
    for file, r in resources:
        by_kind.setdefault(r.get("kind"), {})[r["metadata"]["name"]] = (file, r)
    config_maps = {n: r.get("data", {}) for n, (_, r) in by_kind.get("ConfigMap", {}).items()}
    secrets = {n: {**r.get("data", {}), **r.get("stringData", {})} for n, (_, r) in by_kind.get("Secret", {}).items()}
    workloads = {**by_kind.get("Deployment", {}), **by_kind.get("Job", {})}
    hpa_targets = {r["spec"]["scaleTargetRef"]["name"] for _, r in by_kind.get("HorizontalPodAutoscaler", {}).values()}
    topic_values = {s: {} for s in TOPIC_SETTINGS}

    for name, (file, w) in workloads.items():
        kind = w["kind"]
        template = w["spec"]["template"]
        labels = template.get("metadata", {}).get("labels", {})
        where = f"{file}: {kind} {name}"
        if kind == "Deployment":
            if not matches(w["spec"]["selector"].get("matchLabels"), labels):
                problems.append(f"{where}: the selector does not match the pod labels")
            if name in hpa_targets and "replicas" in w["spec"]:
                problems.append(f"{where}: sets replicas although a HorizontalPodAutoscaler scales it")
        for c in template["spec"]["containers"]:
            cwhere = f"{where} container {c['name']}"
            env = {}  # variable -> (source, value or None)
            for source in c.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                store = config_maps if "configMapRef" in source else secrets
                if ref["name"] not in store:
                    if not ref.get("optional"):
                        problems.append(f"{cwhere}: envFrom names {ref['name']}, which is not in {k8s_dir}")
                    continue
                for key, value in store[ref["name"]].items():
                    env[key] = value
            for e in c.get("env", []):
                value = e.get("value")
                ref = (e.get("valueFrom") or {}).get("configMapKeyRef") or (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    store = config_maps if "configMapKeyRef" in e["valueFrom"] else secrets
                    value = store.get(ref["name"], {}).get(ref["key"])
                    if value is None and not ref.get("optional"):
                        problems.append(f"{cwhere}: {e['name']} needs key {ref['key']} of {ref['name']}, which is not there")
                env[e["name"]] = value
            binary = (c.get("args") or c.get("command") or [None])[0]
            if binary in BINARIES:
                for var in env:
                    if var.startswith(PREFIXES) and var not in known:
                        problems.append(f"{cwhere}: {var} is read by no binary (a config.rs under crates/)")
            if binary in TOPIC_CREATORS:
                for setting in TOPIC_SETTINGS:
                    var = TOPIC_CREATORS[binary] + setting
                    if env.get(var) is None:
                        problems.append(f"{cwhere}: {var} is not set (it creates the topics; the default may differ)")
                    else:
                        topic_values[setting][f"{name}.{var}"] = env[var]
            ports = {p.get("name") for p in c.get("ports", [])} | {p["containerPort"] for p in c.get("ports", [])}
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                port = c.get(probe, {}).get("httpGet", {}).get("port")
                if port is not None and port not in ports:
                    problems.append(f"{cwhere}: {probe} port {port} is not a container port")

    for setting, values in topic_values.items():
        one_value(problems, k8s_dir, f"topic {setting.lower()}", values)

    pod_templates = {n: w["spec"]["template"] for n, (_, w) in workloads.items() if w["kind"] == "Deployment"}
    for kind in ("Service", "PodDisruptionBudget"):
        for name, (file, r) in by_kind.get(kind, {}).items():
            selector = r["spec"]["selector"]
            selector = selector.get("matchLabels", selector) if kind == "PodDisruptionBudget" else selector
            selected = [t for t in pod_templates.values() if matches(selector, t["metadata"].get("labels", {}))]
            if not selected:
                problems.append(f"{file}: {kind} {name} selects no Deployment's pods")
            if kind == "Service":
                for port in r["spec"]["ports"]:
                    target = port.get("targetPort", port["port"])
                    for t in selected:
                        cports = [p for c in t["spec"]["containers"] for p in c.get("ports", [])]
                        if not any(target in (p.get("name"), p["containerPort"]) for p in cports):
                            problems.append(f"{file}: Service {name} targetPort {target} is not a port of its pods")
    for name, (file, r) in by_kind.get("HorizontalPodAutoscaler", {}).items():
        target = r["spec"]["scaleTargetRef"]
        if target["kind"] != "Deployment" or target["name"] not in by_kind.get("Deployment", {}):
            problems.append(f"{file}: HorizontalPodAutoscaler {name} targets {target['kind']} {target['name']}, not in {k8s_dir}")
        if r["spec"].get("minReplicas", 1) > r["spec"]["maxReplicas"]:
            problems.append(f"{file}: HorizontalPodAutoscaler {name}: minReplicas > maxReplicas")


# Durations are strings to the schema (they may hold ${VARIABLES}); compose parses them as Go durations.
GO_DURATION = re.compile(r"^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+)$")
DURATIONS = ("interval", "timeout", "start_period", "start_interval")


def check_compose(compose_path, known, problems):
    try:
        (doc,) = load_all(compose_path)
    except (yaml.YAMLError, ValueError) as e:
        problems.append(f"{compose_path}: {e}")
        return
    services = doc.get("services", {})
    brokers = [n for n, s in services.items() if str(s.get("image", "")).startswith("apache/kafka")]
    topic_values = {s: {} for s in TOPIC_SETTINGS}
    for name, s in services.items():
        where = f"{compose_path}: service {name}"
        for field in DURATIONS:
            value = s.get("healthcheck", {}).get(field)
            if isinstance(value, str) and "$" not in value and not GO_DURATION.match(value):
                problems.append(f"{where}: healthcheck {field} {value!r} is not a duration such as 5s or 1m30s")
        for dep in s.get("depends_on", {}):
            if dep not in services:
                problems.append(f"{where}: depends on {dep}, which is no service")
        env = s.get("environment", {})
        if isinstance(env, list):
            env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
        binary = (s.get("command") or [None])[0]
        if binary in BINARIES:
            for var in env:
                if var.startswith(PREFIXES) and var not in known:
                    problems.append(f"{where}: {var} is read by no binary (a config.rs under crates/)")
        if binary in TOPIC_CREATORS:
            for setting in TOPIC_SETTINGS:
                var = TOPIC_CREATORS[binary] + setting
                if env.get(var) is None:
                    problems.append(f"{where}: {var} is not set (it creates the topics; the default may differ)")
                else:
                    topic_values[setting][f"{name}.{var}"] = env[var]
    for setting, values in topic_values.items():
        value = one_value(problems, compose_path, f"topic {setting.lower()}", values)
        if setting == "KAFKA_REPLICATION" and value is not None and int(value) > len(brokers):
            problems.append(f"{compose_path}: topic replication {value} exceeds the {len(brokers)} Kafka broker(s)")


def main(argv):
    if len(argv) == 3 and argv[0] == "compose":
        problems = check_compose_schema(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "project":
        problems, known = [], known_variables()
        check_k8s(argv[1], known, problems)
        check_compose(argv[2], known, problems)
    else:
        sys.exit(__doc__)
    for p in problems:
        print(f"ERROR {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
