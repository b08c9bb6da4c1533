use std::time::{Duration, Instant};

use reqwest::Method;
use stripe_sim::{Faults, RateLimit, SimConfig};

use crate::helpers::{TestSim, start, start_with};

#[tokio::test]
async fn beyond_the_rate_limit_calls_get_stripes_429_rate_limit_with_a_reason_and_a_retry_hint() {
    let t = start_with(SimConfig { rate_limit: RateLimit::TEST, ..SimConfig::default() }).await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let a = t.get("/v1/customers").await;
        statuses.push(a.status);
        if a.status == 429 {
            assert_eq!(a.body["error"]["type"], "invalid_request_error");
            assert_eq!(a.body["error"]["code"], "rate_limit");
            assert!(a.header("request-id").is_some());
            assert_eq!(a.header("stripe-should-retry"), Some("true"));
            assert_eq!(a.header("stripe-rate-limited-reason"), Some("global-rate"));
        }
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!((25..40).contains(&ok), "{ok} calls passed");
    t.sim.control.set_rate_limit(RateLimit::Off);
    assert_eq!(t.get("/v1/customers").await.status, 200);
}

#[tokio::test]
async fn the_rate_limit_can_be_set_through_the_admin_route() {
    let t = start().await;
    let r = t
        .http
        .post(format!("{}/_sim/rate_limit", t.sim.url))
        .json(&serde_json::json!({"rate_limit": "2/s"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let statuses: Vec<u16> = futures_statuses(&t, 5).await;
    assert!(statuses.contains(&429), "{statuses:?}");
}

async fn futures_statuses(t: &TestSim, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(t.get("/v1/customers").await.status);
    }
    out
}

#[tokio::test]
async fn an_error_rate_of_one_answers_500_api_error() {
    let t = start().await;
    let r = t
        .http
        .post(format!("{}/_sim/faults", t.sim.url))
        .json(&serde_json::json!({"error_rate": 1.0}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let a = t.post("/v1/customers", &[("name", "Ada")]).await;
    assert_eq!(a.status, 500);
    assert_eq!(a.body["error"]["type"], "api_error");
    t.sim.control.set_faults(Faults::default());
    assert_eq!(t.get("/v1/customers").await.body["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn added_latency_delays_calls() {
    let t = start().await;
    t.sim.control.set_faults(Faults { added_latency_ms: 200, ..Faults::default() });
    let start = Instant::now();
    t.get("/v1/customers").await;
    assert!(start.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn frozen_calls_hang_until_unfrozen() {
    let t = start().await;
    t.sim.control.set_faults(Faults { frozen: true, ..Faults::default() });
    let call = TestSim::send(t.request(Method::GET, "/v1/customers").timeout(Duration::from_millis(300)));
    let timed_out = t.request(Method::GET, "/v1/customers").timeout(Duration::from_millis(300)).send().await;
    assert!(timed_out.is_err_and(|e| e.is_timeout()));
    let unfreeze = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        t.sim.control.set_faults(Faults::default());
    };
    let (answer, ()) = tokio::join!(call, unfreeze);
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn reset_forgets_customers_and_config_data_keeps_endpoints() {
    let t = start().await;
    t.create(&[("name", "Ada")]).await;
    t.sim.control.add_webhook("we_keep", "http://127.0.0.1:9/", "whsec_x", &["*"]);
    let r = t.http.delete(format!("{}/_config/data", t.sim.url)).send().await.unwrap();
    assert!(r.status().is_success());
    assert!(t.get("/v1/customers").await.body["data"].as_array().unwrap().is_empty());
    assert_eq!(t.sim.control.state()["webhook_endpoints"], 1);
    let r = t.http.post(format!("{}/_sim/reset", t.sim.url)).send().await.unwrap();
    assert!(r.status().is_success());
    assert_eq!(t.sim.control.state()["webhook_endpoints"], 0);
}
