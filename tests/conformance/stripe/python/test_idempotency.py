"""Idempotent requests through stripe-python's idempotency_key option."""

import threading
import time

import pytest
import stripe


def test_the_same_key_replays_the_first_answer(tag):
    key = f"idem-{tag}"
    first = stripe.Customer.create(name="Ada", email=f"{tag}@example.com", idempotency_key=key)
    second = stripe.Customer.create(name="Ada", email=f"{tag}@example.com", idempotency_key=key)
    assert second.id == first.id
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe.Customer.list(email=f"{tag}@example.com").data) == 1


def test_the_same_key_with_other_parameters_is_an_idempotency_error(tag):
    key = f"idem-{tag}"
    stripe.Customer.create(name="Ada", idempotency_key=key)
    with pytest.raises(stripe.error.IdempotencyError) as e:
        stripe.Customer.create(name="Bob", idempotency_key=key)
    assert e.value.http_status == 400


def test_a_key_still_in_flight_is_a_409(tag, admin):
    admin("POST", "faults", {"added_latency_ms": 500})
    key = f"idem-{tag}"
    results = {}

    def first():
        results["first"] = stripe.Customer.create(name="Ada", idempotency_key=key)

    thread = threading.Thread(target=first)
    thread.start()
    time.sleep(0.15)
    # stripe-python raises APIError for statuses it has no class for, 409 among them.
    with pytest.raises(stripe.error.StripeError) as e:
        stripe.Customer.create(name="Ada", idempotency_key=key)
    thread.join()
    assert e.value.http_status == 409 and e.value.json_body["error"]["code"] == "idempotency_key_in_use"
    assert results["first"].id.startswith("cus_")


def test_deletes_replay_too(tag):
    c = stripe.Customer.create(name="Ada")
    first = stripe.Customer.delete(c.id, idempotency_key=f"del-{tag}")
    second = stripe.Customer.delete(c.id, idempotency_key=f"del-{tag}")
    assert first.deleted and second.deleted
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
