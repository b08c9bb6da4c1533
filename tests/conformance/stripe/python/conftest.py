"""Fixtures pointing stripe-python (Stripe's official client) at the stripe-sim started by ../run."""

import http.server
import json
import os
import threading
import time
import uuid

import pytest
import requests
import stripe

URL = os.environ["STRIPE_SIM_URL"]


@pytest.fixture(autouse=True, scope="session")
def configured():
    stripe.api_key = "sk_test_conformance123"
    stripe.api_base = URL
    # No client retries: every test sees exactly what the simulator answered.
    stripe.max_network_retries = 0
    yield


@pytest.fixture
def tag():
    """A marker unique to the test, so that tests sharing one simulator do not see each other's objects."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def admin():
    """The simulator's control endpoints (/_sim/...)."""

    def call(method, path, body=None):
        response = requests.request(method, f"{URL}/_sim/{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    yield call
    requests.post(f"{URL}/_sim/faults", json={})
    requests.post(f"{URL}/_sim/rate_limit", json={"rate_limit": "off"})


class Receiver:
    """A local HTTP listener capturing webhook deliveries (raw body and Stripe-Signature); answers 500 to
    the first `refuse` of them."""

    def __init__(self, refuse=0):
        self.received = []
        self.refuse = refuse
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = 500 if receiver.refuse > 0 else 200
                receiver.refuse -= 1
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks"

    def wait_for(self, predicate, seconds=10):
        deadline = time.time() + seconds
        while time.time() < deadline:
            matching = [(h, b) for h, b in list(self.received) if predicate(json.loads(b))]
            if matching:
                return matching
            time.sleep(0.05)
        raise AssertionError("no matching delivery arrived")


@pytest.fixture
def receiver():
    made = []

    def make(refuse=0, events=("customer.created", "customer.updated", "customer.deleted")):
        r = Receiver(refuse)
        r.endpoint = stripe.WebhookEndpoint.create(url=r.url, enabled_events=list(events))
        made.append(r)
        return r

    yield make
    for r in made:
        stripe.WebhookEndpoint.delete(r.endpoint.id)
        r.server.shutdown()
