"""SOQL through simple-salesforce: query, query_more, query_all (paging over 2,000), collections, windows."""

import datetime

import pytest


def create_many(sf, tag, count):
    """Creates `count` contacts with sObject Collections, 200 per call, as a bulk loader would."""
    for start in range(0, count, 200):
        records = [
            {"attributes": {"type": "Contact"}, "LastName": f"{tag}-{i:05d}", "Email": f"{tag.lower()}{i}@example.com"}
            for i in range(start, min(start + 200, count))
        ]
        results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
        assert all(r["success"] for r in results), results


def test_query_all_follows_next_records_url_over_more_than_2000_records(sf, tag):
    create_many(sf, tag, 2345)
    soql = f"SELECT Id, LastName FROM Contact WHERE LastName LIKE '{tag}-%' ORDER BY LastName"
    first = sf.query(soql)
    assert first["totalSize"] == 2345 and first["done"] is False and len(first["records"]) == 2000
    second = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert second["done"] is True and len(second["records"]) == 345
    everything = sf.query_all(soql)
    names = [r["LastName"] for r in everything["records"]]
    assert everything["totalSize"] == 2345
    assert names == sorted(names) and len(set(names)) == 2345
    assert sum(1 for _ in sf.query_all_iter(soql)) == 2345


def test_where_in_and_or_and_limit_select_the_right_records(sf, tag):
    ids = {name: sf.Contact.create({"LastName": f"{tag}-{name}", "Email": f"{name}@example.com"})["id"]
           for name in ("a", "b", "c")}
    soql = (f"SELECT Id FROM Contact WHERE (Email = 'A@example.com' OR Id IN ('{ids['c']}')) "
            f"AND LastName != '{tag}-b' ORDER BY LastName DESC LIMIT 5")
    assert [r["Id"] for r in sf.query(soql)["records"]] == [ids["c"], ids["a"]]


def test_query_all_with_include_deleted_sees_the_recycle_bin(sf, tag):
    contact_id = sf.Contact.create({"LastName": tag})["id"]
    sf.Contact.delete(contact_id)
    soql = f"SELECT Id, IsDeleted FROM Contact WHERE LastName = '{tag}'"
    assert sf.query(soql)["totalSize"] == 0
    deleted = sf.query_all(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in deleted] == [(contact_id, True)]


def test_collections_report_per_record_errors_in_order(sf, tag):
    records = [{"attributes": {"type": "Contact"}, "LastName": tag},
               {"attributes": {"type": "Contact"}, "FirstName": "no last name"}]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
    assert results[0]["success"] is True
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"


def test_an_all_or_none_collection_that_fails_returns_no_ids_and_stores_nothing(sf, tag):
    records = [{"attributes": {"type": "Contact"}, "LastName": tag},
               {"attributes": {"type": "Contact"}, "FirstName": "no last name"},
               {"attributes": {"type": "Contact"}, "LastName": tag}]
    results = sf.restful("composite/sobjects", method="POST", json={"allOrNone": True, "records": records})
    assert [r["success"] for r in results] == [False, False, False]
    assert [r.get("id") for r in results] == [None, None, None]
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING", "ALL_OR_NONE_OPERATION_ROLLED_BACK"]
    assert results[0]["errors"][0]["message"] == (
        "Record rolled back because not all records were valid and the request was using AllOrNone header")
    soql = f"SELECT Id FROM Contact WHERE LastName = '{tag}'"
    assert sf.query_all(soql, include_deleted=True)["totalSize"] == 0


def test_date_literals_select_whole_days_of_the_org_clock(sf, tag, admin):
    admin("PUT", "clock", {"offset_secs": -3 * 86400})
    try:
        old = sf.Contact.create({"LastName": tag})["id"]
    finally:
        admin("PUT", "clock", {"offset_secs": 0})
    new = sf.Contact.create({"LastName": tag})["id"]

    def ids(condition):
        soql = f"SELECT Id FROM Contact WHERE LastName = '{tag}' AND {condition} ORDER BY CreatedDate"
        return [r["Id"] for r in sf.query(soql)["records"]]

    assert ids("CreatedDate = TODAY") == [new]
    assert ids("SystemModstamp >= LAST_N_DAYS:2") == [new]
    assert ids("SystemModstamp >= LAST_N_DAYS:3") == [old, new]
    assert ids("CreatedDate < YESTERDAY") == [old]
    admin("PUT", "clock", {"offset_secs": 86400})
    try:
        assert ids("CreatedDate = YESTERDAY") == [new]
    finally:
        admin("PUT", "clock", {"offset_secs": 0})


def test_updated_and_deleted_windows_list_changes_of_past_minutes(sf, tag, admin):
    admin("PUT", "clock", {"offset_secs": -180})
    try:
        changed = sf.Contact.create({"LastName": tag})["id"]
        removed = sf.Contact.create({"LastName": tag})["id"]
        sf.Contact.delete(removed)
    finally:
        admin("PUT", "clock", {"offset_secs": 0})
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(minutes=10), now
    updated = sf.Contact.updated(start, end)
    assert changed in updated["ids"] and removed not in updated["ids"]
    assert updated["latestDateCovered"].endswith(":00.000+0000")
    deleted = sf.Contact.deleted(start, end)
    assert removed in [d["id"] for d in deleted["deletedRecords"]]
    assert "earliestDateAvailable" in deleted
