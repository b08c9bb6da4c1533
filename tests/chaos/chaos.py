"""The chaos run: load from three independent clients (the api, stripe-python against the Stripe stand-in,
simple-salesforce against salesforce-sim) while the binaries are SIGKILLed and restarted, Kafka and PostgreSQL
are restarted (on the three-node cluster: a node is SIGKILLed and started again, in a long run two of them);
then all three systems are compared with what each client was told was accepted, until they agree or a
timeout passes, and the integration topics are read to check that no customer's events go back in version
within a partition.

Run through scripts/chaos, which starts the system first (scripts/up) and passes its options here. Reads the
endpoints from .run/up.env (written by scripts/up). Exit status 0 only when every system converged to the
ledger within the timeout and no event was out of order; 1 when not; 2 when the run itself could not be made
(a client could not connect).
"""

import argparse
import collections
import json
import os
import random
import re
import signal
import string
import subprocess
import sys
import threading
import time
import uuid

import requests
import stripe
from simple_salesforce import Salesforce

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RUN = os.path.join(ROOT, ".run")
SIDES = ("api", "stripe", "salesforce")
SYSTEMS = ("catalog", "stripe", "salesforce")
KINDS = ("lost", "duplicated", "diverged", "resurrected", "unexpected")
KILLED_KINDS = ("api", "producer-relay", "consumer-worker")
# The running instances (scripts/up's INSTANCES in .run/up.env: one of each kind, or with UP_LAYOUT=multi
# api-1, api-2, producer-relay-1, ...); read in main().
BINARIES = KILLED_KINDS
SF_API_VERSION = "59.0"
# The product's own Sforce-Call-Options client name is `customer-sync` (changes made with it are not pushed
# back to the api); this client must be someone else, so that the simulator pushes its changes.
SF_CLIENT_NAME = "chaos"


def say(msg):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def read_env_file(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            env[key] = value.strip().strip("'\"")
    return env


def norm_phone(phone):
    """Phones compare as their digits and a leading +; empty and missing are both null."""
    if phone is None:
        return None
    p = re.sub(r"[^0-9+]", "", str(phone))
    return p or None


def norm_name(name):
    if name is None:
        return None
    n = " ".join(str(name).split())
    return n or None


# ---------------------------------------------------------------------------------------------- the ledger


class Entry:
    """One customer a side created: its final state as the side was told (only 2xx answers count)."""

    __slots__ = ("side", "email", "ref", "alive", "name", "phone", "uncertain", "ops", "catalog_id")

    def __init__(self, side, email, ref, name, phone):
        self.side, self.email, self.ref = side, email, ref
        self.alive, self.name, self.phone = True, name, phone
        self.uncertain = None  # why the final state is not known (an answer never came), or None
        self.ops = ["create"]
        self.catalog_id = ref if side == "api" else None


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = {}  # email -> Entry
        self.attempted = collections.Counter()  # (side, op)
        self.accepted = collections.Counter()
        self.refused = collections.Counter()
        self.unknown = collections.Counter()
        self.anomalies = collections.defaultdict(list)  # what -> emails
        self.retries = collections.Counter()  # side -> retried requests
        self.latency = collections.defaultdict(list)  # side -> seconds per change (with the api's retries)
        self.finished = {}  # side -> seconds from the start when its last thread finished

    def add(self, entry):
        with self.lock:
            self.entries[entry.email] = entry

    def anomaly(self, what, email):
        with self.lock:
            self.anomalies[what].append(email)


class Unknown(Exception):
    """No definitive answer: the change may or may not have been made."""


class Refused(Exception):
    """A definitive non-2xx answer: nothing was changed."""


# ------------------------------------------------------------------------------------------ the three sides


class ApiSide:
    """The catalog api over plain HTTP with the bootstrap admin key. Retries until a definitive answer (api
    down, 5xx while the database restarts, 429), resolving what a retry after an unknown outcome means."""

    name = "api"

    def __init__(self, url, key, ledger, give_up_secs):
        self.url, self.ledger, self.give_up = url.rstrip("/"), ledger, give_up_secs
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.headers.update({"Authorization": f"Bearer {key}"})

    def _call(self, method, path, body=None):
        """Returns (status, json or None, ambiguous): ambiguous when an earlier try may have been applied."""
        deadline = time.monotonic() + self.give_up
        ambiguous = False
        delay = 0.1
        while True:
            try:
                r = self.session.request(method, self.url + path, json=body, timeout=10)
            except requests.RequestException:
                # Connection refused means nothing was sent; a reset or timeout after sending may have been
                # applied. Counting both as ambiguous is safe: the resolutions below hold either way.
                ambiguous = True
                r = None
            if r is not None:
                if r.status_code == 429:
                    wait = float(r.headers.get("Retry-After", "1") or 1)
                    time.sleep(min(wait, 5))
                    continue
                if r.status_code < 500:
                    try:
                        data = r.json() if r.content else None
                    except ValueError:
                        data = None
                    return r.status_code, data, ambiguous
                # 5xx: 503 while PostgreSQL restarts; a 500 may have committed.
                ambiguous = ambiguous or r.status_code != 503
            self.ledger.retries[self.name] += 1
            if time.monotonic() > deadline:
                raise Unknown(f"{method} {path}: no definitive answer in {self.give_up}s")
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def create(self, name, email, phone):
        status, data, ambiguous = self._call("POST", "/v1/customers", {"name": name, "email": email, "phone": phone})
        if status == 201:
            return data["id"]
        if status == 409 and ambiguous:
            return None  # an earlier try made it: accepted, id unknown (it is not updated or deleted later)
        raise Refused(f"create {status} {data}")

    def update(self, ref, name, phone, email):
        status, data, _ = self._call("PATCH", f"/v1/customers/{ref}", {"name": name, "phone": phone})
        if status == 200:
            return
        if status == 404:
            self.ledger.anomaly("api: PATCH of a customer it never deleted answered 404", email)
        raise Refused(f"update {status} {data}")

    def delete(self, ref, email):
        status, data, ambiguous = self._call("DELETE", f"/v1/customers/{ref}")
        if status == 204:
            return
        if status == 404:
            if not ambiguous:
                # Gone without this side deleting it: the product removed it. The wanted final state holds.
                self.ledger.anomaly("api: DELETE of a customer it never deleted answered 404", email)
            return
        raise Refused(f"delete {status} {data}")


class StripeSide:
    """stripe-python against the Stripe stand-in (STRIPE_API_BASE), as a person using Stripe's dashboard or
    API directly would change customers. No automatic retries: an error is an unknown outcome."""

    name = "stripe"

    def __init__(self, ledger):
        self.ledger = ledger  # the module-level API (Customer.create/modify/delete), configured in main()

    def create(self, name, email, phone):
        try:
            return stripe.Customer.create(name=name, email=email, phone=phone or None).id
        except stripe.APIConnectionError as e:
            raise Unknown(str(e)) from e
        except stripe.StripeError as e:
            if (e.http_status or 500) >= 500:
                raise Unknown(str(e)) from e
            raise Refused(str(e)) from e

    def update(self, ref, name, phone, email):
        try:
            stripe.Customer.modify(ref, name=name, phone=phone or "")  # "" clears a Stripe field
        except stripe.APIConnectionError as e:
            raise Unknown(str(e)) from e
        except stripe.StripeError as e:
            if (e.http_status or 500) >= 500:
                raise Unknown(str(e)) from e
            raise Refused(str(e)) from e

    def delete(self, ref, email):
        try:
            stripe.Customer.delete(ref)
        except stripe.APIConnectionError as e:
            raise Unknown(str(e)) from e
        except stripe.StripeError as e:
            if (e.http_status or 500) >= 500:
                raise Unknown(str(e)) from e
            raise Refused(str(e)) from e


def sf_session(ca):
    """A requests session trusting the simulator's CA (and not REQUESTS_CA_BUNDLE), naming this client."""
    session = requests.Session()
    session.trust_env = False
    session.verify = ca
    session.headers["Sforce-Call-Options"] = f"client={SF_CLIENT_NAME}"
    return session


def sf_connect(cfg):
    """simple-salesforce with a token from the client credentials grant, as the conformance suite gets one."""
    https, ca = cfg["SALESFORCE_SIM_HTTPS_URL"], cfg["SALESFORCE_SIM_CA_PEM"]
    session = sf_session(ca)
    r = session.post(f"{https}/services/oauth2/token", data={
        "grant_type": "client_credentials",
        "client_id": cfg.get("SALESFORCE_SIM_CLIENT_ID", "sim-client-id"),
        "client_secret": cfg.get("SALESFORCE_SIM_CLIENT_SECRET", "sim-client-secret"),
    }, timeout=10)
    r.raise_for_status()
    body = r.json()
    return Salesforce(instance_url=body["instance_url"], session_id=body["access_token"],
                      version=SF_API_VERSION, session=session)


class SalesforceSide:
    name = "salesforce"

    def __init__(self, cfg, ledger):
        self.ledger = ledger
        self.sf = sf_connect(cfg)

    @staticmethod
    def _wrap(fn):
        from simple_salesforce.exceptions import SalesforceError

        try:
            return fn()
        except requests.RequestException as e:
            raise Unknown(str(e)) from e
        except SalesforceError as e:
            if getattr(e, "status", 500) >= 500:
                raise Unknown(str(e)) from e
            raise Refused(str(e)) from e

    def create(self, name, email, phone):
        first, last = name.split(" ", 1)
        res = self._wrap(lambda: self.sf.Contact.create(
            {"FirstName": first, "LastName": last, "Email": email, "Phone": phone}))
        return res["id"]

    def update(self, ref, name, phone, email):
        first, last = name.split(" ", 1)
        self._wrap(lambda: self.sf.Contact.update(ref, {"FirstName": first, "LastName": last, "Phone": phone}))

    def delete(self, ref, email):
        self._wrap(lambda: self.sf.Contact.delete(ref))


# ---------------------------------------------------------------------------------------------- the load

SYLLABLES = ["ka", "lo", "mi", "ra", "ten", "so", "vi", "nar", "el", "do", "ru", "fa", "bel", "tor", "an",
             "is", "ve", "mon", "li", "sa", "gor", "un", "pe", "dal"]


def word(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def person(rng):
    name = f"{word(rng)} {word(rng)}"
    phone = None if rng.random() < 0.15 else "+1555" + "".join(rng.choice(string.digits) for _ in range(7))
    return name, phone


def run_side_thread(side, ledger, tag, side_idx, thread_idx, count, start, seconds, stop, seed):
    """count changes by one thread of one side, paced evenly over seconds from start; its own customers only."""
    rng = random.Random(seed)
    mine = []  # entries this thread created, alive, with a known ref
    interval = seconds / max(count, 1)
    offset = interval * (thread_idx + side_idx / 3) / 4
    for i in range(count):
        if stop.is_set():
            return
        due = start + offset + i * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        r = rng.random()
        op = "create" if r < 0.4 or not mine else ("update" if r < 0.8 else "delete")
        with ledger.lock:
            ledger.attempted[(side.name, op)] += 1
        t_op = time.monotonic()
        try:
            if op == "create":
                name, phone = person(rng)
                email = f"{side.name}-{thread_idx}-{i}-{uuid.uuid4().hex[:6]}@{tag}"
                try:
                    ref = side.create(name, email, phone)
                except Unknown as e:
                    e.entry = Entry(side.name, email, None, name, phone)
                    raise
                entry = Entry(side.name, email, ref, name, phone)
                ledger.add(entry)
                if ref is not None:
                    mine.append(entry)
            elif op == "update":
                entry = rng.choice(mine)
                name, phone = person(rng)
                try:
                    side.update(entry.ref, name, phone, entry.email)
                except Unknown as e:
                    e.entry = entry
                    raise
                entry.name, entry.phone = name, phone
                entry.ops.append("update")
            else:
                entry = mine.pop(rng.randrange(len(mine)))
                try:
                    side.delete(entry.ref, entry.email)
                except Unknown as e:
                    e.entry = entry
                    raise
                entry.alive = False
                entry.ops.append("delete")
            with ledger.lock:
                ledger.accepted[(side.name, op)] += 1
        except Refused as e:
            with ledger.lock:
                ledger.refused[(side.name, op)] += 1
            if ledger.refused[(side.name, op)] <= 3:
                say(f"{side.name} {op} refused: {str(e)[:200]}")
        except Unknown as e:
            # The final state of this customer is not known: it is left out of the comparison (and counted).
            entry = e.entry
            entry.uncertain = f"{op}: {str(e)[:120]}"
            if op == "create":
                ledger.add(entry)
            elif entry in mine:
                mine.remove(entry)
            with ledger.lock:
                ledger.unknown[(side.name, op)] += 1
            say(f"{side.name} {op} outcome unknown ({entry.email}): {str(e)[:200]}")
        finally:
            with ledger.lock:
                ledger.latency[side.name].append(time.monotonic() - t_op)
    with ledger.lock:
        ledger.finished[side.name] = max(ledger.finished.get(side.name, 0), time.monotonic() - start)


# ---------------------------------------------------------------------------------------------- the faults


def process_gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


# On the three-node cluster (KAFKA_LAYOUT=cluster), the Kafka fault is a crash of one node: SIGKILLed, started
# again this many seconds after the kill (picked by the seed), while the load and the other kills go on.
NODE_DOWN_SECS = (3.0, 8.0)
# A run at least this long crashes a second node (another one, after the first is back and in sync).
SECOND_NODE_FAULT_SECS = 40
# How long a restarted node may take to catch up (every partition's replicas in sync) before the run says so.
NODE_IN_SYNC_SECS = 90


def instance_gone(name):
    """True when the pid file of a started instance names a process that is no longer running."""
    try:
        pid = int(open(os.path.join(RUN, f"{name}.pid")).read().strip())
    except (OSError, ValueError):
        return False  # never started here, or stopped
    return process_gone(pid)


def last_error(name):
    """The last ERROR line (or `Error:` line, anyhow's exit message) of an instance's log, shortened."""
    try:
        with open(os.path.join(RUN, "log", f"{name}.log"), errors="replace") as f:
            lines = f.readlines()[-400:]
    except OSError:
        return "no log"
    found = [ANSI.sub("", ln).strip() for ln in lines if "ERROR" in ln or ln.startswith("Error:")]
    return found[-1][:200] if found else "no ERROR line in its log"


class Faults:
    def __init__(self, args, up_env, log_path, keep_dir, kafka_layout, seed):
        self.args, self.up_env, self.log_path, self.keep_dir = args, up_env, log_path, keep_dir
        self.cluster = kafka_layout == "cluster"
        self.rng = random.Random(seed * 17 + 5)
        os.makedirs(keep_dir, exist_ok=True)
        self.events = []  # dicts: what, at (s from start), took (s), ok, note
        self.thread = None
        self.node_starts = []  # threads starting crashed nodes again (they run beside the other faults)
        self.node_down = {}  # node -> seconds it stays down after its kill
        self.lock = threading.Lock()  # one kill-and-restart or supervisor restart at a time
        self.exits = []  # instances that exited on their own: what, at, why
        self.supervisor = None

    def scripts_up(self):
        with open(self.log_path, "a") as log:
            log.write(f"\n---- scripts/up at {time.strftime('%H:%M:%S')}\n")
            log.flush()
            return subprocess.run([os.path.join(ROOT, "scripts", "up")], env=self.up_env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=ROOT).returncode

    def lib(self, script):
        with open(self.log_path, "a") as log:
            log.write(f"\n---- {script} at {time.strftime('%H:%M:%S')}\n")
            log.flush()
            return subprocess.run(["bash", "-c", f"set -euo pipefail; {script}"], env=self.up_env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=ROOT).returncode

    def keep_log(self, name, what="SIGKILLed"):
        """Appends NAME's log to the run's copy: scripts/up starts a binary with a fresh log."""
        try:
            with open(os.path.join(RUN, "log", f"{name}.log"), "rb") as src, \
                    open(os.path.join(self.keep_dir, f"{name}.log"), "ab") as dst:
                dst.write(src.read())
                dst.write(f"---- chaos: {name} {what} at {time.strftime('%H:%M:%S')}\n".encode())
        except OSError:
            pass

    def kill(self, name):
        with self.lock:
            return self.kill_locked(name)

    def kill_locked(self, name):
        pidfile = os.path.join(RUN, f"{name}.pid")
        try:
            pid = int(open(pidfile).read().strip())
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError) as e:
            return False, f"no process to kill ({e})"
        for _ in range(500):
            if process_gone(pid):
                break
            time.sleep(0.01)
        self.keep_log(name)
        rc = self.scripts_up()
        return rc == 0, f"pid {pid} killed; scripts/up rc={rc}"

    def kafka_restart(self):
        # A huge KAFKA_MAX_PARTITIONS: restart the broker, never let kafka_up start it over with empty storage.
        rc = self.lib("source scripts/lib/kafka.sh; kafka_stop; KAFKA_MAX_PARTITIONS=100000000 kafka_up")
        return rc == 0, f"kafka_stop; kafka_up rc={rc}"

    def node_kill(self, n, start):
        # A node that is still catching up from the previous crash first: one node down at a time.
        for t in self.node_starts:
            t.join()
        rc = self.lib(f"source scripts/lib/kafka.sh; kafka_node_kill {n}")
        # Its start counts from the kill, not from the plan: a fault thread running late (each kill waits for
        # scripts/up) must not make the crash shorter. The start and catch-up take seconds: the other faults go
        # on meanwhile.
        t = threading.Thread(target=self.start_node_later, args=(n, self.node_down[n], start), daemon=True)
        t.start()
        self.node_starts.append(t)
        return rc == 0, f"kafka_node_kill {n} rc={rc}; starting it again in {self.node_down[n]:g}s"

    def start_node_later(self, n, secs, start):
        time.sleep(secs)
        self.act(f"start kafka-node-{n}", start)

    def node_start(self, n):
        rc = self.lib(f"source scripts/lib/kafka.sh; kafka_node_start {n}; kafka_cluster_wait_in_sync {NODE_IN_SYNC_SECS}")
        return rc == 0, f"kafka_node_start {n}; kafka_cluster_wait_in_sync rc={rc}"

    def postgres_restart(self):
        rc = self.lib("source scripts/lib/postgres.sh; postgres_restart")
        return rc == 0, f"postgres_restart rc={rc}"

    def plan(self):
        """(at seconds, action) for the whole load: a kill every kill_every seconds in turn, the Kafka restart
        at about a third of the load and the PostgreSQL restart at about two thirds. On the cluster, the Kafka
        restart is a node's crash (started again a few seconds after the kill, see node_kill), and a long run
        crashes another node at about five sixths."""
        a = self.args
        plan = []
        if a.kill_every > 0:
            t, i = a.kill_every, 0
            while t < a.seconds:
                kind = KILLED_KINDS[i % 3]
                named = [n for n in BINARIES if n == kind or n.startswith(kind + "-")] or [kind]
                plan.append((t, "kill " + named[(i // 3) % len(named)]))
                t += a.kill_every
                i += 1
        if a.kafka_restart and self.cluster:
            nodes = self.rng.sample((1, 2, 3), 2)
            times = [a.seconds / 3 + 0.5] + ([5 * a.seconds / 6 + 0.5] if a.seconds >= SECOND_NODE_FAULT_SECS else [])
            for n, t in zip(nodes, times):
                plan.append((t, f"kill kafka-node-{n}"))
                self.node_down[str(n)] = round(self.rng.uniform(*NODE_DOWN_SECS), 1)
        elif a.kafka_restart:
            plan.append((a.seconds / 3 + 0.5, "restart kafka"))
        if a.postgres_restart:
            plan.append((2 * a.seconds / 3 + 0.5, "restart postgres"))
        return sorted(plan)

    def run(self, start, stop):
        for at, action in self.plan():
            while not stop.is_set() and time.monotonic() < start + at:
                time.sleep(0.05)
            if stop.is_set():
                return
            self.act(action, start)

    def act(self, action, start):
        t0 = time.monotonic()
        if action.startswith("kill kafka-node-"):
            ok, note = self.node_kill(action.rsplit("-", 1)[1], start)
        elif action.startswith("start kafka-node-"):
            ok, note = self.node_start(action.rsplit("-", 1)[1])
        elif action.startswith("kill "):
            ok, note = self.kill(action[5:])
        elif action == "restart kafka":
            ok, note = self.kafka_restart()
        else:
            ok, note = self.postgres_restart()
        t1 = time.monotonic()
        self.events.append({"what": action, "at": round(t0 - start, 2), "took": round(t1 - t0, 2), "ok": ok,
                            "note": note, "_end": t1})
        say(f"fault: {action} at +{t0 - start:.1f}s, {'done' if 'kafka-node' in action else 'back'} after "
            f"{t1 - t0:.2f}s ({note})")

    def join(self):
        self.thread.join()
        for t in self.node_starts:
            t.join()

    def start(self, start, stop):
        self.thread = threading.Thread(target=self.run, args=(start, stop), daemon=True)
        self.thread.start()
        self.supervising = threading.Event()
        self.supervisor = threading.Thread(target=self.supervise, args=(start,), daemon=True)
        self.supervisor.start()

    def supervise(self, start):
        """What the deployments' restart policy does (deploy/: restart on failure, a pod's container restarted):
        an instance that exited on its own is started again, and recorded. A worker exits by design when Kafka
        fences its consumer for good, so that it is restarted rather than idle."""
        while not self.supervising.wait(1.0):
            with self.lock:
                gone = [n for n in BINARIES if instance_gone(n)]
                if not gone:
                    continue
                t0 = time.monotonic()
                for name in gone:
                    why = last_error(name)
                    self.keep_log(name, "exited on its own")
                    self.exits.append({"what": name, "at": round(t0 - start, 2), "why": why})
                    say(f"exited on its own: {name} at +{t0 - start:.1f}s ({why}); starting it again")
                rc = self.scripts_up()
                say(f"restarted {', '.join(gone)} after {time.monotonic() - t0:.2f}s (scripts/up rc={rc})")

    def stop_supervising(self):
        if self.supervisor is not None:
            self.supervising.set()
            self.supervisor.join()

    def last_end(self):
        return max((e["_end"] for e in self.events), default=None)


# ----------------------------------------------------------------------------------------- the comparison


def read_catalog(api_url, key, tag):
    """email -> [(name, phone, id)] of the catalog's customers with this run's tag, through the paged API."""
    s = requests.Session()
    s.trust_env = False
    s.headers["Authorization"] = f"Bearer {key}"
    out = collections.defaultdict(list)
    cursor = None  # the first page has no cursor (an empty `cursor=` is refused with 422)
    while True:
        last = None
        for _ in range(50):
            params = {"limit": 100} if cursor is None else {"limit": 100, "cursor": cursor}
            try:
                r = s.get(f"{api_url}/v1/customers", params=params, timeout=10)
            except requests.RequestException as e:
                last = e
                time.sleep(0.2)
                continue
            if r.status_code == 200:
                break
            last = f"{r.status_code} {r.text[:200]}"
            if 400 <= r.status_code < 500 and r.status_code != 429:
                raise RuntimeError(f"listing the catalog: {last}")
            time.sleep(float(r.headers.get("Retry-After", "0.2") or 0.2) if r.status_code == 429 else 0.2)
        else:
            raise RuntimeError(f"the catalog could not be listed: {last}")
        body = r.json()
        for c in body["data"]:
            email = (c.get("email") or "").lower()
            if email.endswith("@" + tag):
                out[email].append((norm_name(c.get("name")), norm_phone(c.get("phone")), c.get("id")))
        cursor = body.get("next_cursor")
        if not cursor:
            return out


def read_stripe(tag):
    out = collections.defaultdict(list)
    for c in stripe.Customer.list(limit=100).auto_paging_iter():
        email = (getattr(c, "email", None) or "").lower()
        if email.endswith("@" + tag):
            out[email].append((norm_name(getattr(c, "name", None)), norm_phone(getattr(c, "phone", None)), c.id))
    return out


def read_salesforce(sf, tag):
    out = collections.defaultdict(list)
    res = sf.query_all(f"SELECT Id, FirstName, LastName, Email, Phone FROM Contact WHERE Email LIKE '%@{tag}'")
    for c in res["records"]:
        email = (c.get("Email") or "").lower()
        name = norm_name(" ".join(p for p in (c.get("FirstName"), c.get("LastName")) if p))
        out[email].append((name, norm_phone(c.get("Phone")), c.get("Id")))
    return out


def compare(ledger, systems):
    """Per system: kind -> side -> [ (email, detail) ]."""
    result = {}
    entries = list(ledger.entries.values())
    known = {e.email for e in entries}
    for sysname, records in systems.items():
        found = {k: collections.defaultdict(list) for k in KINDS}
        for e in entries:
            if e.uncertain:
                continue
            got = records.get(e.email, [])
            want = (norm_name(e.name), norm_phone(e.phone))
            if not e.alive:
                if got:
                    found["resurrected"][e.side].append((e.email, f"deleted, still there as {got[0][:2]}"))
                continue
            if not got:
                found["lost"][e.side].append((e.email, f"want {want}"))
                continue
            if len(got) > 1:
                found["duplicated"][e.side].append((e.email, f"{len(got)} records: {[g[2] for g in got]}"))
            if not any(g[:2] == want for g in got):
                found["diverged"][e.side].append((e.email, f"want {want}, got {got[0][:2]}"))
        for email, got in records.items():
            if email not in known:
                side = email.split("-", 1)[0]
                found["unexpected"][side if side in SIDES else "?"].append((email, f"not in the ledger: {got[0][:2]}"))
        result[sysname] = found
    return result


# -------------------------------------------------------------------------------------- per-customer order

ORDER_TOPICS = tuple(f"{i}-customer-{a}" for i in ("stripe", "salesforce") for a in ("created", "updated", "deleted"))


def read_topic(brokers, topic):
    """Every message of the topic, oldest first per partition, as kcat's JSON (partition, offset, headers,
    payload). kcat is what scripts/up installs to look at the topics; -e: exit at the end of every partition."""
    r = subprocess.run(["kcat", "-b", brokers, "-C", "-t", topic, "-o", "beginning", "-e", "-J", "-q",
                        "-X", "topic.metadata.refresh.interval.ms=1000"],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError(f"kcat {topic} rc={r.returncode}: {r.stderr.strip()[:300]}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]


def check_order(brokers, prefix, tag):
    """Within each partition of the six integration topics, no event of this run's customers carries a lower
    customer.version than an earlier event of the same customer: what a worker reads of one customer on one
    partition goes forward. A redelivery (an event id already in that partition: the relay republishes what
    it was not sure Kafka had) is counted, not a violation. Events without a catalog version (the inbound
    events a worker publishes from a webhook, before the catalog has the change) are skipped."""
    out = {"events": 0, "customers": 0, "by_origin": collections.Counter(), "redelivered": 0, "violations": []}
    customers = set()
    for topic in ORDER_TOPICS:
        newest = {}  # (partition, customer id) -> (version, offset) of its newest event so far
        seen = set()  # (partition, event id)
        for m in read_topic(brokers, prefix + topic):
            try:
                ev = json.loads(m.get("payload") or "null") or {}
            except ValueError:
                continue
            snap = ev.get("customer") or {}
            cid, version = ev.get("customer_id"), snap.get("version")
            if cid is None or version is None or not (snap.get("email") or "").lower().endswith("@" + tag):
                continue
            part = m["partition"]
            out["events"] += 1
            out["by_origin"][ev.get("origin")] += 1
            customers.add(cid)
            if (part, ev.get("event_id")) in seen:
                out["redelivered"] += 1
                continue
            seen.add((part, ev.get("event_id")))
            before = newest.get((part, cid))
            if before is not None and version < before[0]:
                out["violations"].append(f"{topic}[{part}] customer {cid}: version {version} at offset "
                                         f"{m['offset']} after version {before[0]} at offset {before[1]} "
                                         f"(origin {ev.get('origin')}, event {ev.get('event_id')})")
            else:
                newest[(part, cid)] = (version, m["offset"])
    out["customers"] = len(customers)
    out["by_origin"] = dict(out["by_origin"])
    return out


def totals(result):
    per = {s: {k: sum(len(v) for v in result[s][k].values()) for k in KINDS} for s in result}
    total = {k: sum(per[s][k] for s in per) for k in KINDS}
    return per, total


# ---------------------------------------------------------------------------------------------- reporting


def log_sizes():
    sizes = {}
    for name in BINARIES + ("salesforce-sim", "localstripe"):
        try:
            sizes[name] = os.path.getsize(os.path.join(RUN, "log", f"{name}.log"))
        except OSError:
            sizes[name] = 0
    return sizes


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def log_summary(start_sizes, keep_dir):
    """The most frequent WARN/ERROR messages each binary logged during the run: the logs of its killed
    instances (kept in keep_dir, the first from where it was at the start) and of the running one."""
    lines = []
    for name in BINARIES:
        text = ""
        kept = os.path.join(keep_dir, f"{name}.log")
        current = os.path.join(RUN, "log", f"{name}.log")
        for i, path in enumerate((kept, current)):
            try:
                with open(path, errors="replace") as f:
                    f.seek(start_sizes.get(name, 0) if i == 0 or not os.path.exists(kept) else 0)
                    text += f.read()
            except (OSError, ValueError):
                continue
        counts = collections.Counter()
        for line in text.splitlines():
            line = ANSI.sub("", line)
            m = re.search(r"\b(WARN|ERROR)\b\s+(.*)", line)
            if m:
                msg = re.sub(r'trace_id="[^"]*"|\([A-Za-z0-9+/=_-]{16,}\)|[0-9a-f]{8}-[0-9a-f-]{27,}|'
                             r'\b\d+(\.\d+)?(ms|s)?\b', "#", m.group(2))[:150]
                counts[f"{m.group(1)} {msg}"] += 1
        for msg, n in counts.most_common(4):
            lines.append(f"  {name}: {n} x {msg}")
    return lines


def print_report(result, ledger, max_examples):
    per, total = totals(result)
    say("per system (lost / duplicated / diverged / resurrected / unexpected):")
    for s in SYSTEMS:
        p = per[s]
        print(f"  {s:<11} lost={p['lost']} duplicated={p['duplicated']} diverged={p['diverged']} "
              f"resurrected={p['resurrected']} unexpected={p['unexpected']}")
    print(f"  {'total':<11} lost={total['lost']} duplicated={total['duplicated']} diverged={total['diverged']} "
          f"resurrected={total['resurrected']} unexpected={total['unexpected']}")
    wrong = False
    for s in SYSTEMS:
        for k in KINDS:
            by_side = result[s][k]
            if not any(by_side.values()):
                continue
            wrong = True
            sides = ", ".join(f"{side} {len(v)}" for side, v in sorted(by_side.items()) if v)
            print(f"  {s} {k}: by the side that made the change: {sides}")
            shown = 0
            for side, items in sorted(by_side.items()):
                for email, detail in items[:max_examples]:
                    if shown >= max_examples * 2:
                        break
                    e = ledger.entries.get(email)
                    ops = ",".join(e.ops) if e else "-"
                    print(f"      {email}  [{side}; ops {ops}]  {detail}")
                    shown += 1
    return per, total, wrong


def sync_status(api_url, key, ids):
    s = requests.Session()
    s.trust_env = False
    s.headers["Authorization"] = f"Bearer {key}"
    out = []
    for cid in ids:
        try:
            r = s.get(f"{api_url}/v1/customers/{cid}/sync", timeout=5)
            out.append(f"  {cid}: {r.status_code} {r.text[:400]}")
        except requests.RequestException as e:
            out.append(f"  {cid}: {e}")
    return out


# ---------------------------------------------------------------------------------------------- main


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/chaos", description=__doc__.split("\n\n")[0])
    p.add_argument("--changes", type=int, help="changes in all (a third per side; default 3000)")
    p.add_argument("--seconds", type=float, help="over how many seconds (default 60)")
    p.add_argument("--kill-every", type=float, help="SIGKILL api, relay, worker in turn every K s (default 5; 0: never)")
    p.add_argument("--kafka-restart", dest="kafka_restart", action="store_true", default=None,
                   help="restart Kafka once (default; on the cluster: SIGKILL a node and start it again, a second "
                   f"node in a run of {SECOND_NODE_FAULT_SECS:g} s or more)")
    p.add_argument("--no-kafka-restart", dest="kafka_restart", action="store_false")
    p.add_argument("--postgres-restart", dest="postgres_restart", action="store_true", default=None)
    p.add_argument("--no-postgres-restart", dest="postgres_restart", action="store_false")
    p.add_argument("--converge-timeout", type=float, default=120, help="seconds (default 120)")
    p.add_argument("--check-every", type=float, default=2, help="seconds between comparisons (default 2)")
    p.add_argument("--threads", type=int, default=3, help="client threads per side (default 3)")
    p.add_argument("--short", action="store_true", help="~300 changes over 20 s, kills every 4 s, one Kafka and one PostgreSQL restart")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--examples", type=int, default=5, help="offending emails shown per kind and side")
    p.add_argument("--recheck", metavar="RUNID", help="no load, no faults: compare the systems with the ledger "
                   "an earlier run saved in .run/chaos/RUNID.json (once, or until --converge-timeout)")
    a = p.parse_args(argv)
    short = a.short
    a.changes = a.changes if a.changes is not None else (300 if short else 3000)
    a.seconds = a.seconds if a.seconds is not None else (20 if short else 60)
    a.kill_every = a.kill_every if a.kill_every is not None else (4 if short else 5)
    a.kafka_restart = True if a.kafka_restart is None else a.kafka_restart
    a.postgres_restart = True if a.postgres_restart is None else a.postgres_restart
    return a


def save_ledger(ledger, runid, tag):
    os.makedirs(os.path.join(RUN, "chaos"), exist_ok=True)
    path = os.path.join(RUN, "chaos", f"{runid}.json")
    with open(path, "w") as f:
        json.dump({"runid": runid, "tag": tag, "entries": [
            {k: getattr(e, k) for k in Entry.__slots__} for e in ledger.entries.values()]}, f)
    return path


def load_ledger(runid):
    with open(os.path.join(RUN, "chaos", f"{runid}.json")) as f:
        data = json.load(f)
    ledger = Ledger()
    for d in data["entries"]:
        e = Entry(d["side"], d["email"], d["ref"], d["name"], d["phone"])
        for k in Entry.__slots__:
            setattr(e, k, d[k])
        ledger.entries[e.email] = e
    return ledger, data["tag"]


def main(argv):
    args = parse_args(argv)
    up_env_path = os.path.join(RUN, "up.env")
    if not os.path.exists(up_env_path):
        say(f"{up_env_path} is missing: run scripts/up first (scripts/chaos does)")
        return 2
    cfg = read_env_file(up_env_path)
    for need in ("API_URL", "API_ADMIN_KEY_FILE", "STRIPE_API_BASE", "STRIPE_SECRET_KEY", "SALESFORCE_SIM_HTTPS_URL",
                 "SALESFORCE_SIM_CA_PEM"):
        if not cfg.get(need):
            say(f"{up_env_path} has no {need} (chaos needs the stand-ins scripts/up starts by default)")
            return 2
    global BINARIES
    BINARIES = tuple(cfg.get("INSTANCES", "").split()) or KILLED_KINDS
    api_url = cfg["API_URL"].rstrip("/")
    key = open(cfg["API_ADMIN_KEY_FILE"]).read().strip()
    stripe.api_key = cfg["STRIPE_SECRET_KEY"]
    stripe.api_base = cfg["STRIPE_API_BASE"].rstrip("/")
    stripe.max_network_retries = 0

    # scripts/up as the restarter calls it: the environment chaos was started with (PROFILE and anything else
    # the user set pass through; the endpoints read above are not put in it: STRIPE_API_BASE or
    # SALESFORCE_LOGIN_URL would make scripts/up think real accounts are configured), without the build and
    # the migrations (done by scripts/chaos before the run).
    up_env = dict(os.environ)
    up_env["UP_NO_BUILD"] = "1"
    for var in ("PROFILE", "UP_LAYOUT", "KAFKA_LAYOUT"):
        if cfg.get(var):
            up_env.setdefault(var, cfg[var])
    kafka_layout = cfg.get("KAFKA_LAYOUT", "single")
    if kafka_layout == "cluster":
        up_env["UP_NO_KAFKA"] = "1"  # a restart of a killed binary must not start a node crashed on purpose

    runid = time.strftime("%m%d%H%M%S") + uuid.uuid4().hex[:4]
    tag = f"chaos-{runid}.example"
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    say(f"run {runid}: {args.changes} changes over {args.seconds:g}s from api, stripe, salesforce "
        f"({args.threads} threads each), kill every {args.kill_every:g}s, "
        f"{'kafka node crashes' if kafka_layout == 'cluster' else 'kafka restart'} {args.kafka_restart}, "
        f"postgres restart {args.postgres_restart}; emails *@{tag}; seed {seed}")
    say(f"Kafka: {kafka_layout} ({cfg.get('KAFKA_BROKERS')}), layout {cfg.get('UP_LAYOUT', 'single')}")
    say(f"api {api_url}, Stripe {stripe.api_base}, Salesforce {cfg['SALESFORCE_SIM_HTTPS_URL']} "
        f"(client={SF_CLIENT_NAME}), restarts logged to .run/log/chaos-up.log")

    if args.recheck:
        ledger, tag = load_ledger(args.recheck)
        checker_sf = sf_connect(cfg)
        t0 = time.monotonic()
        while True:
            systems = {"catalog": read_catalog(api_url, key, tag), "stripe": read_stripe(tag),
                       "salesforce": read_salesforce(checker_sf, tag)}
            result = compare(ledger, systems)
            _, total = totals(result)
            if sum(total.values()) == 0 or time.monotonic() + args.check_every > t0 + args.converge_timeout:
                break
            time.sleep(args.check_every)
        say(f"RECHECK run {args.recheck} ({len(ledger.entries)} customers in its ledger)")
        _, total, wrong = print_report(result, ledger, args.examples)
        print("CHAOS_JSON " + json.dumps({"recheck": args.recheck, "total": total}, separators=(",", ":")))
        return 1 if wrong else 0

    ledger = Ledger()
    try:
        r = requests.get(f"{api_url}/readyz", timeout=5)
        if r.status_code != 200:
            say(f"the api is not ready: {r.status_code} {r.text[:200]}")
            return 2
        stripe.Customer.list(limit=1)
        sides = {
            "api": [ApiSide(api_url, key, ledger, give_up_secs=120) for _ in range(args.threads)],
            "stripe": [StripeSide(ledger) for _ in range(args.threads)],
            "salesforce": [SalesforceSide(cfg, ledger) for _ in range(args.threads)],
        }
        checker_sf = sf_connect(cfg)
    except Exception as e:  # noqa: BLE001 - a client that cannot connect at all: not a measurement
        say(f"could not connect the clients: {type(e).__name__}: {e}")
        return 2

    start_sizes = log_sizes()
    keep_dir = os.path.join(RUN, "chaos", runid)
    faults = Faults(args, up_env, os.path.join(RUN, "log", "chaos-up.log"), keep_dir, kafka_layout, seed)
    stop = threading.Event()
    per_side = args.changes // 3
    threads = []
    start = time.monotonic() + 0.2
    faults.start(start, stop)
    for si, side in enumerate(SIDES):
        for ti in range(args.threads):
            n = per_side // args.threads + (1 if ti < per_side % args.threads else 0)
            t = threading.Thread(target=run_side_thread, daemon=True, args=(
                sides[side][ti], ledger, tag, si, ti, n, start, args.seconds, stop, seed * 31 + si * 7 + ti))
            t.start()
            threads.append(t)
    try:
        for t in threads:
            t.join()
        load_end = time.monotonic()
        say(f"load done after {load_end - start:.1f}s; waiting for the faults to finish")
        faults.join()
    except KeyboardInterrupt:
        stop.set()
        say("interrupted")
        return 1
    last_fault = faults.last_end()
    origin = max(last_fault or load_end, load_end)
    say("accepted per side: " + ", ".join(
        f"{s} " + "/".join(str(ledger.accepted[(s, op)]) for op in ("create", "update", "delete"))
        for s in SIDES) + " (creates/updates/deletes)")
    refused = sum(ledger.refused.values())
    unknown = sum(ledger.unknown.values())
    if refused or unknown:
        say(f"refused {dict((f'{s}.{o}', n) for (s, o), n in ledger.refused.items())}, "
            f"unknown outcome (left out) {dict((f'{s}.{o}', n) for (s, o), n in ledger.unknown.items())}")
    lat = {}
    for sd in SIDES:
        xs = sorted(ledger.latency[sd]) or [0.0]
        lat[sd] = {"p50": round(xs[len(xs) // 2], 3), "p95": round(xs[int(len(xs) * 0.95)], 3),
                   "max": round(xs[-1], 2), "done_at": round(ledger.finished.get(sd, 0), 1)}
    say("per side, seconds per change p50/p95/max and when its load was done: " + ", ".join(
        f"{sd} {v['p50']}/{v['p95']}/{v['max']} done +{v['done_at']}s" for sd, v in lat.items()))
    if load_end - start > args.seconds * 1.2:
        say(f"note: the load took {load_end - start:.0f}s, not {args.seconds:g}s (the clients could not keep the "
            f"rate on this machine); the faults were injected during the first {args.seconds:g}s only")
    say(f"api requests retried: {ledger.retries['api']}; ledger saved to {save_ledger(ledger, runid, tag)} "
        f"(scripts/chaos --recheck {runid} compares again later)")
    for what, emails in ledger.anomalies.items():
        say(f"anomaly: {what}: {len(emails)} (e.g. {emails[:3]})")
    say(f"comparing every {args.check_every:g}s for up to {args.converge_timeout:g}s after the last fault")

    converged_after = None
    result = None
    checks = 0
    deadline = origin + args.converge_timeout
    while True:
        t_check = time.monotonic()
        try:
            systems = {
                "catalog": read_catalog(api_url, key, tag),
                "stripe": read_stripe(tag),
                "salesforce": read_salesforce(checker_sf, tag),
            }
        except Exception as e:  # noqa: BLE001 - one failed read is retried at the next check
            say(f"reading the systems failed: {type(e).__name__}: {e}")
            systems = None
        if systems is not None:
            result = compare(ledger, systems)
            checks += 1
            _, total = totals(result)
            wrong = sum(total.values())
            if checks == 1 or checks % 5 == 0 or wrong == 0:
                say(f"check {checks} at +{t_check - origin:.1f}s: " + " ".join(f"{k}={v}" for k, v in total.items()))
            if wrong == 0:
                converged_after = max(0.0, t_check - (last_fault or load_end))
                break
        if time.monotonic() + args.check_every > deadline:
            break
        time.sleep(max(0.0, args.check_every - (time.monotonic() - t_check)))

    faults.stop_supervising()
    print()
    say(f"RESULT run {runid}")
    if result is None:
        say("the systems could not be read at all")
        return 1
    per, total, _ = print_report(result, ledger, args.examples)
    if converged_after is not None:
        say(f"seconds to converge from the last fault (or the end of the load, if later): {converged_after:.1f}")
    else:
        say(f"not converged within {args.converge_timeout:g}s of the last fault")
        # What the api knows about a few catalog customers that are wrong somewhere (made on the api side).
        ids = []
        for s in ("stripe", "salesforce"):
            for k in ("lost", "diverged", "resurrected"):
                for email, _ in result[s][k].get("api", [])[:2]:
                    e = ledger.entries.get(email)
                    if e and e.catalog_id and e.catalog_id not in ids:
                        ids.append(e.catalog_id)
        if ids:
            say("sync status of a few api-made customers that are wrong elsewhere:")
            print("\n".join(sync_status(api_url, key, ids[:4])))
    try:
        order = check_order(cfg.get("KAFKA_BROKERS", "127.0.0.1:9092"), cfg.get("KAFKA_TOPIC_PREFIX", ""), tag)
        say(f"order: {order['events']} events of {order['customers']} customers on the integration topics "
            f"(by origin {order['by_origin']}), {order['redelivered']} redelivered, "
            f"{len(order['violations'])} out of order within a partition")
        for v in order["violations"][:args.examples * 2]:
            print(f"  out of order: {v}")
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        order = {"error": str(e)[:300], "violations": []}
        say(f"order: the topics could not be read: {e}")
    order_ok = "error" not in order and not order["violations"]
    if faults.exits:
        say(f"instances that exited on their own (started again, as the deployments' restart policy would): "
            f"{len(faults.exits)}")
        for e in faults.exits:
            print(f"  {e['what']} at +{e['at']:.1f}s: {e['why']}")
    summary = log_summary(start_sizes, keep_dir)
    if summary:
        say(f"most frequent WARN/ERROR lines in the binaries' logs during the run (killed instances' logs "
            f"kept in {keep_dir}/):")
        print("\n".join(summary))

    line = {
        "chaos": runid, "changes": args.changes, "seconds": args.seconds, "kill_every": args.kill_every,
        "kafka_restart": args.kafka_restart, "postgres_restart": args.postgres_restart,
        "layout": cfg.get("UP_LAYOUT", "single"), "kafka_layout": kafka_layout,
        "accepted": {s: sum(ledger.accepted[(s, op)] for op in ("create", "update", "delete")) for s in SIDES},
        "customers": {s: sum(1 for e in ledger.entries.values() if e.side == s and not e.uncertain) for s in SIDES},
        "uncertain": sum(1 for e in ledger.entries.values() if e.uncertain),
        "faults": [{k: v for k, v in e.items() if not k.startswith("_")}
                   for e in sorted(faults.events, key=lambda e: e["at"])],
        "systems": per, "total": total,
        "by_side": {s: {k: {side: len(v) for side, v in result[s][k].items() if v} for k in KINDS
                        if any(result[s][k].values())} for s in SYSTEMS},
        "converged": converged_after is not None,
        "seconds_to_converge": None if converged_after is None else round(converged_after, 1),
        "converge_timeout": args.converge_timeout,
        "load_seconds": round(load_end - start, 1), "latency": lat,
        "exits": faults.exits,
        "order": {**{k: v for k, v in order.items() if k != "violations"}, "violations": len(order["violations"]),
                  "violation_examples": order["violations"][:5]},
    }
    print("CHAOS_JSON " + json.dumps(line, separators=(",", ":")), flush=True)
    return 0 if converged_after is not None and order_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
