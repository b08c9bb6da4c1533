//! sObject Collections: chunking, per-record results in the caller's order, mixed failures.

use crate::helpers::{client, contact, default_sim};
use salesforce_client::{ErrorCode, SalesforceContact};

#[tokio::test]
async fn mixed_failures_come_back_at_the_index_of_the_failing_record() {
    let sim = default_sim().await;
    let client = client(&sim);
    let mut records: Vec<SalesforceContact> = (0..6).map(|i| contact(&format!("Mixed{i} Batch"))).collect();
    records[1].last_name = None; // REQUIRED_FIELD_MISSING
    records[4].first_name = Some("y".repeat(41)); // STRING_TOO_LONG
    let results = client.create_contacts(&records).await.expect("collection call");
    assert_eq!(results.len(), 6);
    let ok: Vec<bool> = results.iter().map(|r| r.success).collect();
    assert_eq!(ok, vec![true, false, true, true, false, true]);
    assert_eq!(results[1].errors[0].status_code, ErrorCode::RequiredFieldMissing);
    assert_eq!(results[4].errors[0].status_code, ErrorCode::StringTooLong);
    for (record, result) in records.iter().zip(&results).filter(|(_, r)| r.success) {
        let id = result.id.as_deref().expect("an id");
        let read = client.get_contact(id, None).await.expect("get");
        assert_eq!(read.email, record.email, "result {id} belongs to its record");
    }
}

#[tokio::test]
async fn more_than_200_records_are_sent_in_chunks_and_all_come_back_in_order() {
    let sim = default_sim().await;
    let client = client(&sim);
    let records: Vec<_> = (0..450).map(|i| contact(&format!("Chunk{i} Chunked"))).collect();
    client.authenticate().await.expect("token");
    client.describe_contact().await.expect("a call to read the usage");
    let before = client.api_usage().expect("usage").used;
    let results = client.create_contacts(&records).await.expect("create");
    let after = client.api_usage().expect("usage").used;
    assert_eq!(after - before, 3, "450 records take 3 API calls");
    assert_eq!(results.len(), 450);
    assert!(results.iter().all(|r| r.success));
    let first = client.get_contact(results[0].id.as_deref().expect("id"), None).await.expect("get");
    let last = client.get_contact(results[449].id.as_deref().expect("id"), None).await.expect("get");
    assert_eq!(first.email, records[0].email);
    assert_eq!(last.email, records[449].email);
}

#[tokio::test]
async fn collection_update_upsert_and_delete_apply_per_record() {
    let sim = default_sim().await;
    let client = client(&sim);
    let records: Vec<_> = (0..3).map(|i| contact(&format!("Coll{i} Lifecycle"))).collect();
    let created = client.create_contacts(&records).await.expect("create");
    let ids: Vec<String> = created.iter().map(|r| r.id.clone().expect("id")).collect();

    let mut updates: Vec<SalesforceContact> = records.clone();
    for (u, id) in updates.iter_mut().zip(&ids) {
        u.id = Some(id.clone());
        u.last_name = Some("Updated".into());
    }
    let updated = client.update_contacts(&updates).await.expect("update");
    assert!(updated.iter().all(|r| r.success), "{updated:?}");
    assert_eq!(client.get_contact(&ids[2], None).await.expect("get").last_name.as_deref(), Some("Updated"));

    let mut upserts = records.clone();
    upserts.push(contact("Brand New"));
    let upserted = client.upsert_contacts(&upserts).await.expect("upsert");
    let created_flags: Vec<Option<bool>> = upserted.iter().map(|r| r.created).collect();
    assert_eq!(created_flags, vec![Some(false), Some(false), Some(false), Some(true)]);
    assert_eq!(upserted[0].id.as_deref(), Some(ids[0].as_str()));

    let mut to_delete = ids.clone();
    to_delete.push("003000000000000AAA".into());
    let deleted = client.delete_contacts(&to_delete).await.expect("delete");
    let ok: Vec<bool> = deleted.iter().map(|r| r.success).collect();
    assert_eq!(ok, vec![true, true, true, false]);
    assert!(!deleted[3].errors.is_empty());
}

#[tokio::test]
async fn records_without_their_key_are_refused_before_anything_is_sent() {
    let sim = default_sim().await;
    let client = client(&sim);
    let mut keyless = contact("No Key");
    keyless.customer_id = None;
    let err = client.upsert_contacts(&[contact("Has Key"), keyless]).await.expect_err("refused");
    assert!(matches!(err, salesforce_client::Error::InvalidInput(_)));
    let err = client.update_contacts(&[contact("No Id")]).await.expect_err("refused");
    assert!(matches!(err, salesforce_client::Error::InvalidInput(_)));
}

#[tokio::test]
async fn a_failure_after_the_first_chunk_reports_the_results_of_the_chunks_that_went_through() {
    let sim = default_sim().await;
    let mut config = crate::helpers::client_config(&sim, salesforce_client::AuthKind::Jwt);
    config.max_attempts = 2;
    let client = crate::helpers::client_with(&config);
    client.describe_contact().await.expect("warm up");
    let (used, _) = sim.control.api_usage();
    sim.control.set_daily_api_limit(used + 1); // room for exactly one more call

    let records: Vec<_> = (0..450).map(|i| contact(&format!("Partial{i} Batch"))).collect();
    let err = client.create_contacts(&records).await.expect_err("the limit stops the second chunk");
    match err {
        salesforce_client::Error::PartialBatch { done, source } => {
            assert_eq!(done.len(), 200);
            assert!(done.iter().all(|r| r.success));
            assert_eq!(source.code(), Some(&ErrorCode::RequestLimitExceeded));
        }
        other => panic!("{other:?}"),
    }
}
