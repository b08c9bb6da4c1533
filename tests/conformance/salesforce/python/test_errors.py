"""simple-salesforce's exception mapping of the simulator's error responses."""

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from conftest import API_VERSION, https_session


def test_a_400_raises_malformed_request_with_the_error_body(sf):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Contact.create({"FirstName": "No last name"})
    assert raised.value.status == 400
    assert raised.value.content[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert raised.value.content[0]["fields"] == ["LastName"]


def test_a_malformed_query_raises_malformed_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.query("SELECT Nope FROM Contact")
    assert raised.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_a_malformed_id_raises_malformed_request(sf):
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Contact.update("003Sm0000000001ZZZ", {"LastName": "x"})
    assert raised.value.content[0]["errorCode"] == "MALFORMED_ID"


def test_an_unknown_session_raises_expired_session(env):
    stale = Salesforce(instance_url=env["https"], session_id="00D000000000000!expired",
                       version=API_VERSION, session=https_session(env))
    with pytest.raises(SalesforceExpiredSession) as raised:
        stale.Contact.describe()
    assert raised.value.status == 401
    assert raised.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_a_missing_record_raises_resource_not_found(sf):
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.Contact.get("003Sm00000000zzZZZ"[:15])
    assert raised.value.status == 404
    assert raised.value.content[0]["errorCode"] == "NOT_FOUND"


def test_a_spent_allocation_raises_refused_request(sf, admin):
    admin("PUT", "limits", {"daily_api_limit": 0})
    try:
        with pytest.raises(SalesforceRefusedRequest) as raised:
            sf.Contact.describe()
        assert raised.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    finally:
        admin("PUT", "limits", {"daily_api_limit": 100000})
