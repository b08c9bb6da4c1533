//! SOQL with paging, escaping under injection attempts, queryAll, and the updated/deleted windows.

use crate::helpers::{client, contact, default_sim};
use chrono::{Duration, Utc};
use futures::TryStreamExt;
use salesforce_client::soql::{Filter, Query};
use salesforce_client::{ErrorCode, Scope};
use std::collections::HashSet;

#[tokio::test]
async fn a_query_over_5000_records_follows_next_records_url_to_the_last_page() {
    let sim = default_sim().await;
    let client = client(&sim);
    let batch: Vec<_> = (0..5_050).map(|i| contact(&format!("Pager{i} Paging"))).collect();
    let results = client.create_contacts(&batch).await.expect("bulk create");
    assert!(results.iter().all(|r| r.success), "every record created");

    let query = Query::contacts(&["Id", "Email"]).and_then(|q| q.filter(Filter::eq("LastName", "Paging")));
    let query = query.expect("query");
    let pages: Vec<_> = client.query_pages(&query, Scope::Live).try_collect().await.expect("pages");
    assert!(pages.len() >= 3, "5050 records need at least 3 pages of 2000, got {}", pages.len());
    assert!(pages.iter().all(|p| p.records.len() <= 2_000 && p.total_size == 5_050));
    assert!(pages.last().expect("a page").done);

    let contacts = client.query_contacts(&query).await.expect("collect all");
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
    let query = Query::contacts(&["Id", "LastName"]).and_then(|q| q.filter(Filter::eq("LastName", r"O'Toole\Jr")));
    let found = client.query_contacts(&query.expect("query")).await.expect("query");
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
    let query = Query::contacts(&["Id", "IsDeleted"]).and_then(|q| q.filter(Filter::eq("Id", &id))).expect("query");
    assert!(client.query_contacts(&query).await.expect("query").is_empty());
    let all = client.query_all_contacts(&query).await.expect("queryAll");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].is_deleted, Some(true));
}

#[tokio::test]
async fn injection_attempts_in_any_filter_match_nothing_rather_than_everything() {
    let sim = default_sim().await;
    let client = client(&sim);
    client.create_contact(&contact("Victim One")).await.expect("create");
    client.create_contact(&contact("Victim Two")).await.expect("create");
    let victims = Query::contacts(&["Id"]).and_then(|q| q.filter(Filter::eq("FirstName", "Victim")));
    assert_eq!(client.query_contacts(&victims.expect("query")).await.expect("query").len(), 2, "records to leak");

    let attempts = ["' OR Id != '", "One' OR LastName != 'x", r"\' OR Id != \'", "x'\nOR Id != '", "') OR (Id != '"];
    let mut filters: Vec<Filter> = attempts
        .iter()
        .flat_map(|a| {
            [
                Filter::eq("LastName", *a),
                Filter::is_in("LastName", ["Nobody", *a]),
                Filter::contains("LastName", *a),
                Filter::all([Filter::eq("FirstName", "Victim"), Filter::eq("LastName", *a)]),
            ]
        })
        .collect();
    // LIKE wildcards in the text are literal: unescaped, each of these would match both victims.
    filters.extend([
        Filter::contains("LastName", "%"),
        Filter::starts_with("FirstName", "_ictim"),
        Filter::ends_with("FirstName", "%"),
        Filter::starts_with("FirstName", "Vict_m"),
    ]);
    for filter in filters {
        let query = Query::contacts(&["Id", "LastName"]).and_then(|q| q.filter(filter.clone())).expect("query");
        let found = client.query_contacts(&query).await.unwrap_or_else(|e| panic!("{filter:?}: {e}"));
        assert!(found.is_empty(), "{filter:?} matched {} records", found.len());
    }
}

#[tokio::test]
async fn a_query_on_an_unknown_field_is_refused_with_invalid_field() {
    let sim = default_sim().await;
    let client = client(&sim);
    let selected = Query::contacts(&["Id", "Favourite_Colour__c"]).expect("a well-formed field name");
    let filtered = Query::contacts(&["Id"]).and_then(|q| q.filter(Filter::eq("Favourite_Colour__c", "blue")));
    for query in [selected, filtered.expect("a well-formed field name")] {
        let err = client.query_contacts(&query).await.expect_err("no such field");
        assert_eq!(err.code(), Some(&ErrorCode::InvalidField), "{query}: {err:?}");
        assert!(!err.is_retryable());
    }
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
