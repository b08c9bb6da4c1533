use std::time::{Duration, Instant};

use reqwest::Method;
use salesforce_sim::{Faults, SimConfig};
use serde_json::json;

use crate::helpers::{config, start, start_with};

#[tokio::test]
async fn every_response_carries_sforce_limit_info_counting_calls() {
    let t = start_with(SimConfig { daily_api_limit: 5000, ..config() }).await;
    let first = t.call(Method::GET, "/limits", None).await;
    assert_eq!(first.headers()["sforce-limit-info"], "api-usage=1/5000");
    let err = t.call(Method::GET, "/sobjects/Contact/003Sm0000000001ZZZ", None).await;
    assert_eq!(err.status(), 400);
    assert_eq!(err.headers()["sforce-limit-info"], "api-usage=2/5000");
}

#[tokio::test]
async fn a_spent_daily_allocation_answers_403_request_limit_exceeded() {
    let t = start_with(SimConfig { daily_api_limit: 2, ..config() }).await;
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 200);
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 200);
    let (status, e) = t.json(Method::GET, "/limits", None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (403, Some("REQUEST_LIMIT_EXCEEDED")));
    t.sim.control.set_daily_api_limit(10);
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 200);
}

#[tokio::test]
async fn injected_server_unavailable_and_lock_failures_follow_the_configured_rates() {
    let t = start().await;
    t.sim.control.set_faults(Faults { server_unavailable_rate: 1.0, ..Faults::default() });
    let (status, e) = t.json(Method::GET, "/limits", None).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (503, Some("SERVER_UNAVAILABLE")));
    t.sim.control.set_faults(Faults { unable_to_lock_row_rate: 1.0, ..Faults::default() });
    let (status, e) = t.json(Method::POST, "/sobjects/Contact", Some(json!({"LastName": "x"}))).await;
    assert_eq!((status, e[0]["errorCode"].as_str()), (400, Some("UNABLE_TO_LOCK_ROW")));
    let (_, r) = t
        .json(
            Method::POST,
            "/composite/sobjects",
            Some(json!({"records": [{"attributes": {"type": "Contact"}, "LastName": "y"}]})),
        )
        .await;
    assert_eq!(r[0]["errors"][0]["statusCode"], "UNABLE_TO_LOCK_ROW");
    t.sim.control.set_faults(Faults { server_unavailable_rate: 0.5, ..Faults::default() });
    let mut failures = 0;
    for _ in 0..100 {
        failures += usize::from(t.json(Method::GET, "/limits", None).await.0 == 503);
    }
    assert!((20..=80).contains(&failures), "{failures} of 100 at rate 0.5");
}

#[tokio::test]
async fn added_latency_delays_api_calls() {
    let t = start().await;
    t.sim.control.set_faults(Faults { added_latency: Duration::from_millis(200), ..Faults::default() });
    let started = Instant::now();
    t.json(Method::GET, "/limits", None).await;
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn the_control_endpoints_change_faults_and_limits_over_http() {
    let t = start().await;
    let admin = |p: &str| format!("{}/_sim/{p}", t.sim.http_url);
    let r = t.http.put(admin("faults")).json(&json!({"server_unavailable_rate": 1.0})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 503);
    t.http.put(admin("faults")).json(&json!({})).send().await.unwrap();
    t.http.put(admin("limits")).json(&json!({"used": 0, "daily_api_limit": 0})).send().await.unwrap();
    assert_eq!(t.json(Method::GET, "/limits", None).await.0, 403);
}
