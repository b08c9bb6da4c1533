//! Token expiry in the middle of work, limits, injected faults, and what is (not) retried.

use crate::helpers::{client, client_config, client_with, contact, sim_config, spawn_sim};
use salesforce_client::soql::{Filter, Query};
use salesforce_client::{AuthKind, Error, ErrorCode};
use salesforce_sim::Faults;
use std::time::{Duration, Instant};

#[tokio::test]
async fn an_expired_token_is_renewed_transparently_in_the_middle_of_work() {
    let sim = spawn_sim(salesforce_sim::SimConfig { token_ttl: Duration::from_millis(700), ..sim_config() }).await;
    let client = client(&sim);
    let id = client.create_contact(&contact("Before Expiry")).await.expect("create");
    tokio::time::sleep(Duration::from_millis(900)).await;
    client.update_contact(&id, &contact("After Expiry")).await.expect("update after expiry");
    assert_eq!(client.get_contact(&id, None).await.expect("get").last_name.as_deref(), Some("Expiry"));
    assert_eq!(client.tokens_obtained(), 2, "one renewal");
}

#[tokio::test]
async fn a_token_revoked_between_calls_is_renewed_once_and_the_call_succeeds() {
    let sim = spawn_sim(sim_config()).await;
    let client = client(&sim);
    let id = client.create_contact(&contact("Revoked Session")).await.expect("create");
    sim.control.expire_tokens();
    let read = client.get_contact(&id, None).await.expect("get after the session was revoked");
    assert_eq!(read.id.as_deref(), Some(id.as_str()));
    assert_eq!(client.tokens_obtained(), 2);
}

#[tokio::test]
async fn a_session_rejected_again_after_renewal_is_reported_not_renewed_forever() {
    let sim = spawn_sim(salesforce_sim::SimConfig { token_ttl: Duration::ZERO, ..sim_config() }).await;
    let client = client(&sim);
    let err = client.describe_contact().await.expect_err("every token is already expired");
    match &err {
        Error::Api(api) => assert_eq!((api.status, &api.code), (401, &ErrorCode::InvalidSessionId)),
        other => panic!("{other:?}"),
    }
    assert_eq!(client.tokens_obtained(), 2, "the first token and exactly one renewal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_tasks_share_one_renewal_per_expiry() {
    let sim = spawn_sim(salesforce_sim::SimConfig { token_ttl: Duration::from_millis(800), ..sim_config() }).await;
    let client = client(&sim);
    client.authenticate().await.expect("token");
    let deadline = Instant::now() + Duration::from_millis(2_000);
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut done = 0u32;
                while Instant::now() < deadline {
                    client.create_contact(&contact(&format!("Task{t} Worker"))).await?;
                    done += 1;
                }
                Ok::<_, Error>(done)
            })
        })
        .collect();
    let mut calls = 0;
    for task in tasks {
        calls += task.await.expect("task").expect("every call succeeds across expiries");
    }
    let tokens = client.tokens_obtained();
    assert!(tokens >= 2, "the token expired at least once during the work ({tokens})");
    assert!(tokens <= 5, "{tokens} tokens for {calls} calls: renewals were not shared");
}

#[tokio::test]
async fn a_batch_of_collections_survives_a_token_expiry_between_chunks() {
    let sim = spawn_sim(salesforce_sim::SimConfig {
        token_ttl: Duration::from_millis(300),
        faults: Faults { added_latency: Duration::from_millis(120), ..Faults::default() },
        ..sim_config()
    })
    .await;
    let client = client(&sim);
    let records: Vec<_> = (0..1_000).map(|i| contact(&format!("Exp{i} Batch"))).collect();
    let results = client.create_contacts(&records).await.expect("all chunks go through");
    assert!(results.iter().all(|r| r.success));
    assert!(client.tokens_obtained() >= 2, "the token expired during the batch");
}

#[tokio::test]
async fn the_daily_limit_gives_request_limit_exceeded_and_usage_shows_it() {
    let sim = spawn_sim(salesforce_sim::SimConfig { daily_api_limit: 3, ..sim_config() }).await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.max_attempts = 2;
    let client = client_with(&config);
    let mut last = Ok(());
    for _ in 0..5 {
        last = client.describe_contact().await.map(drop);
        if last.is_err() {
            break;
        }
    }
    let err = last.expect_err("the allocation runs out");
    match &err {
        Error::Api(api) => assert_eq!((api.status, &api.code), (403, &ErrorCode::RequestLimitExceeded)),
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    let usage = client.api_usage().expect("usage parsed");
    assert_eq!(usage.allowed, 3);
    assert!(usage.used >= 3, "{usage:?}");
}

#[tokio::test]
async fn injected_server_unavailable_is_retried_until_it_succeeds() {
    let faults = Faults { server_unavailable_rate: 0.5, ..Faults::default() };
    let sim = spawn_sim(salesforce_sim::SimConfig { faults, ..sim_config() }).await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.max_attempts = 25;
    let client = client_with(&config);
    for i in 0..20 {
        let id = client.create_contact(&contact(&format!("Flaky{i} Server"))).await.expect("create");
        client.get_contact(&id, None).await.expect("get");
    }
    let (calls, _) = sim.control.api_usage();
    assert!(calls > 40, "40 operations took {calls} calls: failures were retried");
}

#[tokio::test]
async fn a_permanent_outage_fails_with_server_unavailable_after_the_configured_attempts() {
    let faults = Faults { server_unavailable_rate: 1.0, ..Faults::default() };
    let sim = spawn_sim(salesforce_sim::SimConfig { faults, ..sim_config() }).await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.max_attempts = 4;
    config.retry_base_delay_ms = 40;
    config.retry_max_delay_ms = 1_000;
    let started = Instant::now();
    let err = client_with(&config).describe_contact().await.expect_err("always down");
    assert!(err.is_retryable(), "{err:?}");
    assert!(matches!(&err, Error::Api(api) if api.status == 503), "{err:?}");
    // Three backoffs of at least 20, 40 and 80 ms.
    assert!(started.elapsed() >= Duration::from_millis(140), "{:?}", started.elapsed());
}

#[tokio::test]
async fn unable_to_lock_row_is_retried_for_single_records_and_collections() {
    let faults = Faults { unable_to_lock_row_rate: 0.4, ..Faults::default() };
    let sim = spawn_sim(salesforce_sim::SimConfig { faults, ..sim_config() }).await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.max_attempts = 25;
    let client = client_with(&config);
    // 30 creates at a 40% lock rate: all 30 pass the lock on the first try with
    // probability 0.6^30 (about 2e-7); with 10 it was 0.6%, and CI met it.
    for i in 0..30 {
        client.create_contact(&contact(&format!("Locked{i} Row"))).await.expect("create");
    }
    let (single_calls, _) = sim.control.api_usage();
    assert!(single_calls > 30, "30 creates took {single_calls} calls: lock errors were retried");

    let records: Vec<_> = (0..50).map(|i| contact(&format!("LockedBatch{i} Row"))).collect();
    let results = client.create_contacts(&records).await.expect("collection");
    assert!(results.iter().all(|r| r.success), "{:?}", results.iter().find(|r| !r.success));
    let (all_calls, _) = sim.control.api_usage();
    assert!(all_calls - single_calls >= 2, "locked records were sent again");
    let rows = Query::contacts(&["Id"]).and_then(|q| q.filter(Filter::eq("LastName", "Row"))).expect("query");
    let created = client.query_contacts(&rows).await.expect("query");
    assert_eq!(created.len(), 80, "no record created twice");
}

#[tokio::test]
async fn a_non_retryable_error_is_returned_at_once() {
    let sim = spawn_sim(sim_config()).await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.max_attempts = 5;
    config.retry_base_delay_ms = 2_000;
    config.retry_max_delay_ms = 2_000;
    let client = client_with(&config);
    client.describe_contact().await.expect("warm up");
    let used_before = client.api_usage().expect("usage").used;
    let started = Instant::now();
    let err = client.get_contact("003000000000000AAA", None).await.expect_err("404");
    assert_eq!(err.code(), Some(&ErrorCode::NotFound));
    assert!(started.elapsed() < Duration::from_millis(1_000), "no backoff for a 404");
    assert_eq!(client.api_usage().expect("usage").used, used_before + 1, "exactly one call");
}

#[tokio::test]
async fn a_timeout_is_retried_and_then_reported_as_a_retryable_transport_error() {
    let faults = Faults { added_latency: Duration::from_millis(400), ..Faults::default() };
    let sim = spawn_sim(salesforce_sim::SimConfig { faults, ..sim_config() }).await;
    let mut config = client_config(&sim, AuthKind::Jwt);
    config.request_timeout_ms = 100;
    config.max_attempts = 3;
    let started = Instant::now();
    let err = client_with(&config).describe_contact().await.expect_err("too slow");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.is_retryable());
    assert!(started.elapsed() >= Duration::from_millis(300), "three attempts of 100 ms");
}
