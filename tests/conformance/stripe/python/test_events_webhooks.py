"""Events listing and webhook deliveries verified with stripe.Webhook.construct_event."""

import json
import time

import stripe


def test_changes_make_events_with_request_and_previous_attributes(tag):
    c = stripe.Customer.create(name="Ada", metadata={"tag": tag}, idempotency_key=f"ev-{tag}")
    stripe.Customer.modify(c.id, name="Ada L")
    stripe.Customer.delete(c.id)
    events = [e for e in stripe.Event.list(type="customer.*", limit=100).auto_paging_iter() if e.data.object.id == c.id]
    assert [e.type for e in events] == ["customer.deleted", "customer.updated", "customer.created"]
    created = events[2]
    assert created.id.startswith("evt_") and created.request.idempotency_key == f"ev-{tag}"
    assert created.request.id == c.last_response.request_id
    assert events[1].data.previous_attributes.to_dict() == {"name": "Ada"}
    assert stripe.Event.retrieve(created.id).id == created.id
    only_updates = stripe.Event.list(types=["customer.updated"], limit=100)
    assert all(e.type == "customer.updated" for e in only_updates.data)


def test_a_delivery_verifies_with_construct_event(receiver, tag):
    r = receiver()
    c = stripe.Customer.create(name="Ada", metadata={"tag": tag})
    [(headers, body)] = r.wait_for(lambda e: e["data"]["object"]["id"] == c.id)
    assert headers["content-type"] == "application/json; charset=utf-8"
    event = stripe.Webhook.construct_event(body, headers["stripe-signature"], r.endpoint.secret)
    assert event.type == "customer.created" and event.data.object.id == c.id
    try:
        stripe.Webhook.construct_event(body, headers["stripe-signature"], "whsec_wrong")
        raise AssertionError("a wrong secret verified")
    except stripe.error.SignatureVerificationError:
        pass


def test_a_refused_delivery_is_retried(receiver, tag):
    r = receiver(refuse=1)
    c = stripe.Customer.create(name="Ada", metadata={"tag": tag})
    r.wait_for(lambda e: e["data"]["object"]["id"] == c.id)
    deadline = time.time() + 10
    while time.time() < deadline and len([b for _, b in r.received if json.loads(b)["data"]["object"]["id"] == c.id]) < 2:
        time.sleep(0.05)
    mine = [json.loads(b) for _, b in r.received if json.loads(b)["data"]["object"]["id"] == c.id]
    assert len(mine) == 2 and mine[0]["id"] == mine[1]["id"]
