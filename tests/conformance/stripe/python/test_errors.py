"""Stripe's errors as stripe-python raises them."""

import pytest
import requests
import stripe

from conftest import URL


def test_an_unknown_customer_is_invalid_request_resource_missing():
    with pytest.raises(stripe.error.InvalidRequestError) as e:
        stripe.Customer.retrieve("cus_doesnotexist")
    assert e.value.http_status == 404 and e.value.code == "resource_missing" and e.value.param == "id"
    assert e.value.request_id.startswith("req_")


def test_an_unknown_parameter_is_parameter_unknown():
    with pytest.raises(stripe.error.InvalidRequestError) as e:
        stripe.Customer.create(name="Ada", nickname="A")
    assert e.value.http_status == 400 and e.value.code == "parameter_unknown" and e.value.param == "nickname"


def test_a_missing_or_live_key_is_an_authentication_error():
    with pytest.raises(stripe.error.AuthenticationError):
        stripe.Customer.list(api_key="sk_live_nope")
    assert requests.get(f"{URL}/v1/customers").status_code == 401


def test_injected_failures_are_api_errors(admin):
    admin("POST", "faults", {"error_rate": 1.0})
    with pytest.raises(stripe.error.APIError) as e:
        stripe.Customer.create(name="Ada")
    assert e.value.http_status == 500


def test_the_rate_limit_answers_rate_limit_errors(admin):
    admin("POST", "rate_limit", {"rate_limit": "test"})
    with pytest.raises(stripe.error.RateLimitError) as e:
        for _ in range(60):
            stripe.Customer.list(limit=1)
    assert e.value.http_status == 429 and e.value.json_body["error"]["code"] == "rate_limit"
    assert e.value.headers["Stripe-Should-Retry"] == "true"


def test_stripe_python_retries_a_rate_limited_call_until_it_passes(admin):
    # stripe-python retries a 429 only when Stripe-Should-Retry says so.
    admin("POST", "rate_limit", {"rate_limit": "2/s"})
    client = stripe.StripeClient(stripe.api_key, base_addresses={"api": URL}, max_network_retries=4)
    for _ in range(6):
        assert client.v1.customers.list(params={"limit": 1}).object == "list"
