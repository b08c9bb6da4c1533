//! SOQL with paging, escaping under injection attempts, queryAll, and the updated/deleted windows.

use crate::helpers::{client, contact, default_sim};
use chrono::{Duration, Utc};
use futures::TryStreamExt;
use salesforce_client::{Scope, soql};
use std::collections::HashSet;

#[tokio::test]
async fn a_query_over_5000_records_follows_next_records_url_to_the_last_page() {
    let sim = default_sim().await;
    let client = client(&sim);
    let batch: Vec<_> = (0..5_050).map(|i| contact(&format!("Pager{i} Paging"))).collect();
    let results = client.create_contacts(&batch).await.expect("bulk create");
    assert!(results.iter().all(|r| r.success), "every record created");

    let soql = "SELECT Id, Email FROM Contact WHERE LastName = 'Paging'";
    let pages: Vec<_> = client.query_pages(soql, Scope::Live).try_collect().await.expect("pages");
    assert!(pages.len() >= 3, "5050 records need at least 3 pages of 2000, got {}", pages.len());
    assert!(pages.iter().all(|p| p.records.len() <= 2_000 && p.total_size == 5_050));
    assert!(pages.last().expect("a page").done);

    let contacts = client.query_contacts(soql).await.expect("collect all");
    let ids: HashSet<_> = contacts.iter().filter_map(|c| c.id.clone()).collect();
    assert_eq!(ids.len(), 5_050, "every record exactly once");
    let emails: HashSet<_> = contacts.iter().filter_map(|c| c.email.clone()).collect();
    assert!(batch.iter().all(|c| emails.contains(c.email.as_deref().unwrap_or_default())));
}

#[tokio::test]
async fn injection_attempts_in_values_match_nothing_and_leak_nothing() {
    let sim = default_sim().await;
    let client = client(&sim);
    client.create_contact(&contact("Victim One")).await.expect("create");
    client.create_contact(&contact("Victim Two")).await.expect("create");
    for attempt in [
        "' OR Name != '",
        "x' OR Email != 'y",
        r"\' OR Email != \'",
        r"\\' OR LastName != '",
        "nobody@example.com' OR LastName LIKE '%",
        "\" OR Email != \"",
    ] {
        let found = client.find_contacts_by_email(attempt).await.expect("a well-formed query");
        assert!(found.is_empty(), "{attempt:?} matched {} records", found.len());
    }
}

#[tokio::test]
async fn values_with_quotes_and_backslashes_still_match_themselves() {
    let sim = default_sim().await;
    let client = client(&sim);
    let mut c = contact("Peter O'Toole");
    c.last_name = Some(r"O'Toole\Jr".into());
    let id = client.create_contact(&c).await.expect("create");
    let clause = format!("LastName = {}", soql::quote(r"O'Toole\Jr"));
    let found = client
        .query_contacts(&soql::select_contacts(&["Id", "LastName"], Some(&clause)).expect("soql"))
        .await
        .expect("query");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn query_all_includes_deleted_contacts_and_query_does_not() {
    let sim = default_sim().await;
    let client = client(&sim);
    let c = contact("Gone Soon");
    let id = client.create_contact(&c).await.expect("create");
    client.delete_contact(&id).await.expect("delete");
    let clause = format!("Id = {}", soql::quote(&id));
    let soql = soql::select_contacts(&["Id", "IsDeleted"], Some(&clause)).expect("soql");
    assert!(client.query_contacts(&soql).await.expect("query").is_empty());
    let all = client.query_all_contacts(&soql).await.expect("queryAll");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].is_deleted, Some(true));
}

#[tokio::test]
async fn a_malformed_query_is_a_400_malformed_query() {
    let sim = default_sim().await;
    let err = client(&sim).query_contacts("SELEKT Id FROM Contact").await.expect_err("bad SOQL");
    assert_eq!(err.code(), Some(&salesforce_client::ErrorCode::MalformedQuery), "{err:?}");
}

#[tokio::test]
async fn the_updated_and_deleted_windows_list_the_changed_contacts() {
    let sim = default_sim().await;
    let client = client(&sim);
    // Windows end at the last whole minute (as in Salesforce), so make the changes five minutes ago.
    sim.control.set_clock_offset_secs(-300);
    let kept = client.create_contact(&contact("Kept Record")).await.expect("create");
    let removed = client.create_contact(&contact("Removed Record")).await.expect("create");
    client.delete_contact(&removed).await.expect("delete");
    sim.control.set_clock_offset_secs(0);
    let (start, end) = (Utc::now() - Duration::minutes(10), Utc::now());

    let updated = client.updated_contacts(start, end).await.expect("updated");
    assert!(updated.ids.contains(&kept), "{updated:?}");
    assert!(updated.latest_date_covered.is_some());
    let deleted = client.deleted_contacts(start, end).await.expect("deleted");
    let deleted_ids: Vec<_> = deleted.deleted_records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(deleted_ids, vec![removed.as_str()]);
    assert!(deleted.deleted_records[0].deleted_date.is_some());
}
