"""Customers CRUD, list and search through stripe-python."""

import stripe


def test_create_retrieve_update_delete(tag):
    c = stripe.Customer.create(
        name="Ada", email=f"{tag}@example.com", phone="+1 555", description="d", metadata={"k": "v", "tag": tag}
    )
    assert c.id.startswith("cus_") and c.object == "customer" and c.livemode is False
    assert c.metadata.to_dict() == {"k": "v", "tag": tag}
    assert c.last_response.headers["Request-Id"].startswith("req_")
    got = stripe.Customer.retrieve(c.id)
    assert got.email == f"{tag}@example.com" and got.balance == 0 and got.tax_exempt == "none"
    updated = stripe.Customer.modify(c.id, phone="", metadata={"k": "", "x": "1"})
    assert updated.phone is None and updated.name == "Ada"
    assert updated.metadata.to_dict() == {"tag": tag, "x": "1"}
    deleted = stripe.Customer.delete(c.id)
    assert deleted.deleted is True and deleted.id == c.id
    stub = stripe.Customer.retrieve(c.id)
    assert stub.to_dict() == {"id": c.id, "object": "customer", "deleted": True}


def test_list_pages_newest_first_with_auto_paging_iter(tag):
    email = f"{tag}@example.com"
    ids = [stripe.Customer.create(email=email).id for _ in range(7)]
    page = stripe.Customer.list(email=email, limit=3)
    assert page.object == "list" and page.has_more is True
    assert [c.id for c in page.data] == ids[::-1][:3]
    assert [c.id for c in page.auto_paging_iter()] == ids[::-1]
    older = stripe.Customer.list(email=email, limit=2, starting_after=ids[3])
    assert [c.id for c in older.data] == [ids[2], ids[1]]
    newer = stripe.Customer.list(email=email, limit=2, ending_before=ids[3])
    assert [c.id for c in newer.data] == [ids[5], ids[4]]


def test_list_filters_by_created(tag):
    c = stripe.Customer.create(email=f"{tag}@example.com")
    at = stripe.Customer.list(created={"gte": c.created, "lte": c.created}, limit=100)
    assert c.id in [x.id for x in at.auto_paging_iter()]
    assert stripe.Customer.list(created={"gt": c.created + 10}).data == []


def test_search_by_email_metadata_and_name_with_paging(tag):
    a = stripe.Customer.create(name=f"Ada {tag}", email=f"a-{tag}@example.com", metadata={"tag": tag})
    b = stripe.Customer.create(name=f"Bob {tag}", email=f"b-{tag}@example.com", metadata={"tag": tag})
    found = stripe.Customer.search(query=f"email:'a-{tag}@example.com'")
    assert found.object == "search_result" and [c.id for c in found.data] == [a.id]
    both = stripe.Customer.search(query=f"metadata['tag']:'{tag}'", limit=1)
    assert both.has_more is True and both.next_page
    assert {c.id for c in both.auto_paging_iter()} == {a.id, b.id}
    one = stripe.Customer.search(query=f"metadata['tag']:'{tag}' AND name:'Bob {tag}'")
    assert [c.id for c in one.data] == [b.id]
    either = stripe.Customer.search(query=f"email:'a-{tag}@example.com' OR email:'b-{tag}@example.com'")
    assert len(either.data) == 2
