//! Single-record operations, describe, and the REST error classes.

use crate::helpers::{client, contact, default_sim};
use model::ExternalCustomer;
use salesforce_client::{Error, ErrorCode, SalesforceContact};

#[tokio::test]
async fn a_created_contact_reads_back_with_every_mirrored_field() {
    let sim = default_sim().await;
    let client = client(&sim);
    let mut new = contact("Ada King Lovelace");
    new.phone = Some("+44 20 7946 0000".into());
    let id = client.create_contact(&new).await.expect("create");
    assert!(id.starts_with("003") && id.len() == 18, "{id}");

    let read = client.get_contact(&id, None).await.expect("get");
    assert_eq!(read.id.as_deref(), Some(id.as_str()));
    assert_eq!(read.fields(), new.fields());
    assert_eq!(read.local_id(), new.local_id());
    assert_eq!(read.first_name.as_deref(), Some("Ada King"));
    assert_eq!(read.last_name.as_deref(), Some("Lovelace"));
    assert_eq!(read.is_deleted, Some(false));
    assert!(read.created_date.is_some() && read.system_modstamp.is_some());
}

#[tokio::test]
async fn get_with_a_field_list_returns_only_those_fields() {
    let sim = default_sim().await;
    let client = client(&sim);
    let id = client.create_contact(&contact("Grace Hopper")).await.expect("create");
    let read = client.get_contact(&id, Some(&["Id", "LastName"])).await.expect("get");
    assert_eq!(read.last_name.as_deref(), Some("Hopper"));
    assert_eq!(read.email, None);
    assert_eq!(read.customer_id, None);
}

#[tokio::test]
async fn an_update_changes_the_fields_and_clears_a_removed_phone() {
    let sim = default_sim().await;
    let client = client(&sim);
    let mut c = contact("Alan Turing");
    c.phone = Some("+44 1234".into());
    let id = client.create_contact(&c).await.expect("create");
    let before = client.get_contact(&id, None).await.expect("get");

    let mut changed = c.clone();
    changed.first_name = None;
    changed.last_name = Some("Turing-Changed".into());
    changed.phone = None;
    client.update_contact(&id, &changed).await.expect("update");
    let after = client.get_contact(&id, None).await.expect("get");
    assert_eq!(after.fields().name, "Turing-Changed");
    assert_eq!(after.phone, None);
    assert!(after.system_modstamp >= before.system_modstamp);
    assert!(after.last_modified_date >= before.last_modified_date);
}

#[tokio::test]
async fn a_deleted_contact_is_gone_for_get_update_and_delete() {
    let sim = default_sim().await;
    let client = client(&sim);
    let id = client.create_contact(&contact("Short Lived")).await.expect("create");
    client.delete_contact(&id).await.expect("delete");
    for err in [
        client.get_contact(&id, None).await.expect_err("get"),
        client.update_contact(&id, &contact("X Y")).await.expect_err("update"),
        client.delete_contact(&id).await.expect_err("delete again"),
    ] {
        let code = err.code().expect("an API error");
        assert!(code.is_missing_record(), "{err:?}");
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn an_unknown_id_is_a_404_not_found() {
    let sim = default_sim().await;
    let err = client(&sim).get_contact("003000000000000AAA", None).await.expect_err("unknown id");
    match err {
        Error::Api(api) => {
            assert_eq!(api.status, 404);
            assert_eq!(api.code, ErrorCode::NotFound);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_upsert_creates_then_updates_the_contact_with_that_customer_id() {
    let sim = default_sim().await;
    let client = client(&sim);
    let mut c = contact("Barbara Liskov");
    let first = client.upsert_contact(&c).await.expect("upsert creates");
    assert!(first.created);
    c.email = Some("barbara@mit.example".into());
    let second = client.upsert_contact(&c).await.expect("upsert updates");
    assert_eq!(second.id, first.id);
    assert!(!second.created);

    let found = client
        .find_contact_by_customer_id(c.customer_id.as_deref().expect("key"))
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.id.as_deref(), Some(first.id.as_str()));
    assert_eq!(found.email.as_deref(), Some("barbara@mit.example"));
    let by_email = client.find_contacts_by_email("BARBARA@mit.example").await.expect("by email");
    assert_eq!(by_email.len(), 1);
}

#[tokio::test]
async fn a_missing_last_name_is_a_400_naming_the_field() {
    let sim = default_sim().await;
    let err = client(&sim)
        .create_contact(&SalesforceContact { email: Some("x@example.com".into()), ..Default::default() })
        .await
        .expect_err("LastName is required");
    match err {
        Error::Api(api) => {
            assert_eq!((api.status, api.code), (400, ErrorCode::RequiredFieldMissing));
            assert_eq!(api.fields, vec!["LastName".to_owned()]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_too_long_first_name_is_a_400_string_too_long() {
    let sim = default_sim().await;
    let mut c = contact("Someone Long");
    c.first_name = Some("x".repeat(41));
    let err = client(&sim).create_contact(&c).await.expect_err("FirstName is 40 long");
    assert_eq!(err.code(), Some(&ErrorCode::StringTooLong), "{err:?}");
}

#[tokio::test]
async fn a_duplicate_customer_id_is_a_400_duplicate_value() {
    let sim = default_sim().await;
    let client = client(&sim);
    let c = contact("Twin One");
    client.create_contact(&c).await.expect("first");
    let err = client.create_contact(&c).await.expect_err("external id is unique");
    assert_eq!(err.code(), Some(&ErrorCode::DuplicateValue), "{err:?}");
}

#[tokio::test]
async fn describe_shows_the_contact_fields_and_the_external_id_field() {
    let sim = default_sim().await;
    let describe = client(&sim).describe_contact().await.expect("describe");
    assert_eq!(describe.key_prefix.as_deref(), Some("003"));
    let last = describe.field("LastName").expect("LastName");
    assert!(!last.nillable && last.createable && last.length == 80);
    assert!(describe.field("Customer_Id__c").expect("external id field").external_id);
}

#[tokio::test]
async fn an_id_of_another_object_is_a_400_malformed_id() {
    let sim = default_sim().await;
    let err = client(&sim).get_contact("001000000000000AAA", None).await.expect_err("an Account id");
    match err {
        Error::Api(api) => assert_eq!((api.status, api.code), (400, ErrorCode::MalformedId)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_field_in_the_field_list_is_a_400_invalid_field() {
    let sim = default_sim().await;
    let client = client(&sim);
    let id = client.create_contact(&contact("Field Check")).await.expect("create");
    let err = client.get_contact(&id, Some(&["Id", "Nope__c"])).await.expect_err("unknown field");
    match err {
        Error::Api(api) => assert_eq!((api.status, api.code), (400, ErrorCode::InvalidField)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_upsert_matching_several_contacts_is_multiple_matches_with_their_ids() {
    let sim = crate::helpers::spawn_sim(salesforce_sim::SimConfig {
        external_id_unique: false,
        ..crate::helpers::sim_config()
    })
    .await;
    let client = client(&sim);
    let first = contact("Twin One");
    let mut second = contact("Twin Two");
    second.customer_id = first.customer_id.clone();
    let a = client.create_contact(&first).await.expect("first");
    let b = client.create_contact(&second).await.expect("second, same customer id");

    let err = client.upsert_contact(&first).await.expect_err("ambiguous upsert");
    match err {
        Error::MultipleMatches(mut ids) => {
            ids.sort();
            let mut expected = vec![a.clone(), b.clone()];
            expected.sort();
            assert_eq!(ids, expected);
        }
        other => panic!("{other:?}"),
    }
    let lookup = client.find_contact_by_customer_id(first.customer_id.as_deref().expect("key")).await;
    assert!(matches!(lookup, Err(Error::MultipleMatches(ids)) if ids.len() == 2));
}
