"""Contact CRUD, external ids and describe through simple-salesforce's SFType API, over HTTPS."""

import re

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

ID_18 = re.compile(r"^003[0-9A-Za-z]{15}$")
SF_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def test_create_returns_an_18_character_contact_id_and_get_reads_it_back(sf, tag):
    result = sf.Contact.create({"FirstName": "Ada", "LastName": tag, "Email": "ada@example.com"})
    assert result["success"] is True and result["errors"] == []
    assert ID_18.match(result["id"])
    record = sf.Contact.get(result["id"])
    assert record["attributes"]["type"] == "Contact"
    assert record["Name"] == f"Ada {tag}"
    assert record["Email"] == "ada@example.com"
    assert SF_DATE.match(record["SystemModstamp"])
    assert SF_DATE.match(record["CreatedDate"])


def test_update_returns_204_and_changes_the_record(sf, tag):
    contact_id = sf.Contact.create({"LastName": tag})["id"]
    assert sf.Contact.update(contact_id, {"Phone": "+1 555 0100"}) == 204
    assert sf.Contact.get(contact_id)["Phone"] == "+1 555 0100"


def test_get_by_custom_id_finds_the_record_by_its_external_id(sf, tag):
    contact_id = sf.Contact.create({"LastName": tag, "Customer_Id__c": f"{tag}-ext"})["id"]
    record = sf.Contact.get_by_custom_id("Customer_Id__c", f"{tag}-ext")
    assert record["Id"] == contact_id
    with pytest.raises(SalesforceResourceNotFound):
        sf.Contact.get_by_custom_id("Customer_Id__c", f"{tag}-missing")


def test_upsert_creates_with_201_then_updates_with_200(sf, tag):
    path = f"Customer_Id__c/{tag}-up"
    assert sf.Contact.upsert(path, {"LastName": tag, "Email": "first@example.com"}) == 201
    assert sf.Contact.upsert(path, {"Email": "second@example.com"}) == 200
    record = sf.Contact.get_by_custom_id("Customer_Id__c", f"{tag}-up")
    assert record["Email"] == "second@example.com"
    assert record["LastName"] == tag


def test_upsert_matches_the_external_id_regardless_of_case(sf, tag):
    stored = f"{tag}-case".lower()
    contact_id = sf.Contact.create({"LastName": tag, "Customer_Id__c": stored})["id"]
    assert sf.Contact.upsert(f"Customer_Id__c/{stored.upper()}", {"Email": "case@example.com"}) == 200
    record = sf.Contact.get_by_custom_id("Customer_Id__c", f"{tag}-Case")
    assert record["Id"] == contact_id and record["Email"] == "case@example.com"
    assert record["Customer_Id__c"] == stored
    assert sf.query(f"SELECT COUNT() FROM Contact WHERE LastName = '{tag}'")["totalSize"] == 1


def test_a_unique_external_id_rejects_a_value_differing_only_in_case(sf, tag):
    sf.Contact.create({"LastName": tag, "Customer_Id__c": f"{tag}-dup".lower()})
    with pytest.raises(SalesforceMalformedRequest) as raised:
        sf.Contact.create({"LastName": tag, "Customer_Id__c": f"{tag}-dup".upper()})
    assert raised.value.content[0]["errorCode"] == "DUPLICATE_VALUE"


def test_delete_returns_204_and_the_record_is_then_gone(sf, tag):
    contact_id = sf.Contact.create({"LastName": tag})["id"]
    assert sf.Contact.delete(contact_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as raised:
        sf.Contact.get(contact_id)
    assert raised.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"


def test_describe_reports_contact_metadata(sf):
    describe = sf.Contact.describe()
    assert describe["name"] == "Contact" and describe["keyPrefix"] == "003"
    fields = {f["name"]: f for f in describe["fields"]}
    assert fields["LastName"]["length"] == 80 and fields["LastName"]["nillable"] is False
    assert fields["FirstName"]["length"] == 40
    assert fields["Email"]["type"] == "email"
    assert fields["Id"]["createable"] is False
    assert fields["Customer_Id__c"]["externalId"] is True
    assert sf.Contact.metadata()["objectDescribe"]["keyPrefix"] == "003"


def test_describe_reports_18_for_the_length_of_id_and_reference_fields(sf):
    fields = {f["name"]: f for f in sf.Contact.describe()["fields"]}
    for name in ("Id", "AccountId", "OwnerId", "CreatedById", "LastModifiedById"):
        assert (fields[name]["length"], fields[name]["byteLength"]) == (18, 18), fields[name]


def test_describe_reports_the_external_id_as_not_case_sensitive(sf):
    external_id = next(f for f in sf.Contact.describe()["fields"] if f["name"] == "Customer_Id__c")
    assert external_id["externalId"] is True and external_id["caseSensitive"] is False


def test_sforce_limit_info_is_parsed_into_api_usage(sf, tag):
    contacts = sf.Contact  # each attribute access builds a new SFType, which keeps its own api_usage
    contacts.create({"LastName": tag})
    first = contacts.api_usage["api-usage"]
    assert first.used > 0 and first.total == 100000
    contacts.describe()
    assert contacts.api_usage["api-usage"].used == first.used + 1
