use std::net::TcpListener;
use std::time::Duration;

use stripe_client::webhook::{DEFAULT_TOLERANCE, WebhookSecret, verify};
use stripe_sim::{Outcome, SimConfig, StaticEndpoint};

use crate::helpers::{TestSim, eventually, start, start_with};
use crate::listener::Listener;

const SECRET: &str = "whsec_test_secret";

fn now() -> i64 {
    stripe_sim::ids::now_secs()
}

#[tokio::test]
async fn a_delivery_is_signed_like_stripe_and_verifies_with_stripe_client() {
    let listener = Listener::default();
    let url = listener.start();
    let t = start_with(SimConfig {
        webhook: Some(StaticEndpoint { url, secret: SECRET.into(), enabled_events: vec!["*".into()] }),
        ..SimConfig::default()
    })
    .await;
    let id = t.create(&[("name", "Ada")]).await;
    eventually("the delivery", || async { !listener.all().is_empty() }).await;
    let got = &listener.all()[0];
    assert_eq!(got.content_type.as_deref(), Some("application/json; charset=utf-8"));
    assert_eq!(got.user_agent.as_deref(), Some("Stripe/1.0 (+https://stripe.com/docs/webhooks)"));
    let event = verify(&got.body, got.signature.as_deref(), &[WebhookSecret::new(SECRET)], DEFAULT_TOLERANCE, now())
        .expect("the signature verifies");
    assert_eq!(event.event_type, "customer.created");
    assert_eq!(event.customer().unwrap().id, id);
    assert!(event.request.and_then(|r| r.id).is_some_and(|r| r.starts_with("req_")));
    let wrong =
        verify(&got.body, got.signature.as_deref(), &[WebhookSecret::new("whsec_other")], DEFAULT_TOLERANCE, now());
    assert!(wrong.is_err());
}

#[tokio::test]
async fn a_delivery_answered_500_is_retried_until_it_arrives() {
    let listener = Listener::refusing(2);
    let url = listener.start();
    let t = start().await;
    t.sim.control.add_webhook("we_test", &url, SECRET, &["customer.created"]);
    let id = t.create(&[("name", "Ada")]).await;
    eventually("three attempts", || async { t.sim.control.delivery_counters().delivered == 1 }).await;
    let log = t.sim.control.deliveries();
    let outcomes: Vec<_> = log.iter().map(|a| (a.attempt, a.status, a.outcome)).collect();
    assert_eq!(
        outcomes,
        [(1, Some(500), Outcome::Retrying), (2, Some(500), Outcome::Retrying), (3, Some(200), Outcome::Delivered)]
    );
    assert!(log[0].next_attempt_ms.is_some());
    let bodies = listener.events();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b["id"] == bodies[0]["id"] && b["data"]["object"]["id"] == id.as_str()));
    let event = t.get(&format!("/v1/events/{}", bodies[0]["id"].as_str().unwrap())).await.body;
    assert_eq!(event["pending_webhooks"], 0);
}

#[tokio::test]
async fn a_delivery_to_an_endpoint_that_is_down_arrives_once_it_is_up() {
    let port = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/webhooks/stripe");
    let t = start().await;
    t.sim.control.add_webhook("we_down", &url, SECRET, &["*"]);
    t.create(&[("name", "Ada")]).await;
    eventually("a failed attempt", || async { t.sim.control.delivery_counters().failed_attempts >= 1 }).await;
    assert_eq!(t.sim.control.deliveries()[0].status, None);
    let listener = Listener::default();
    listener.serve(TcpListener::bind(("127.0.0.1", port)).unwrap());
    eventually("the redelivery", || async { t.sim.control.delivery_counters().delivered == 1 }).await;
    assert_eq!(listener.all().len(), 1);
}

#[tokio::test]
async fn deliveries_give_up_after_the_retry_window() {
    let listener = Listener::refusing(usize::MAX);
    let url = listener.start();
    let t = start_with(SimConfig {
        retry: stripe_sim::RetrySchedule {
            initial: Duration::from_millis(20),
            max: Duration::from_millis(40),
            retry_for: Duration::from_millis(150),
        },
        ..SimConfig::default()
    })
    .await;
    t.sim.control.add_webhook("we_refusing", &url, SECRET, &["*"]);
    t.create(&[("name", "Ada")]).await;
    eventually("giving up", || async { t.sim.control.delivery_counters().given_up == 1 }).await;
    let tries = listener.all().len();
    assert!((3..=8).contains(&tries), "{tries} attempts");
    assert_eq!(t.sim.control.pending_deliveries(), 0);
}

#[tokio::test]
async fn endpoints_created_through_the_api_get_a_secret_and_only_their_events() {
    let listener = Listener::default();
    let url = listener.start();
    let t = start().await;
    let we = t.post("/v1/webhook_endpoints", &[("url", &url), ("enabled_events[]", "customer.updated")]).await;
    assert_eq!(we.status, 200, "{}", we.body);
    assert_eq!(we.body["object"], "webhook_endpoint");
    assert_eq!(we.body["status"], "enabled");
    let secret = we.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let we_id = we.body["id"].as_str().unwrap().to_owned();
    let got = t.get(&format!("/v1/webhook_endpoints/{we_id}")).await.body;
    assert!(got.get("secret").is_none());
    assert_eq!(TestSim::ids(&t.get("/v1/webhook_endpoints").await.body), vec![we_id.clone()]);
    let id = t.create(&[("name", "Ada")]).await;
    t.post(&format!("/v1/customers/{id}"), &[("name", "Ada L")]).await;
    eventually("the update's delivery", || async { !listener.all().is_empty() }).await;
    let r = &listener.all()[0];
    let event =
        verify(&r.body, r.signature.as_deref(), &[WebhookSecret::new(secret)], DEFAULT_TOLERANCE, now()).unwrap();
    assert_eq!(event.event_type, "customer.updated");
    let disabled = t.post(&format!("/v1/webhook_endpoints/{we_id}"), &[("disabled", "true")]).await;
    assert_eq!(disabled.body["status"], "disabled");
    let deleted = t.delete(&format!("/v1/webhook_endpoints/{we_id}")).await;
    assert_eq!(deleted.body["deleted"], true);
    assert_eq!(t.get(&format!("/v1/webhook_endpoints/{we_id}")).await.status, 404);
}

#[tokio::test]
async fn localstripes_config_route_registers_an_endpoint() {
    let listener = Listener::default();
    let url = listener.start();
    let t = start().await;
    let form = [("url", url.as_str()), ("secret", SECRET), ("events[]", "customer.created")];
    let r = t.http.post(format!("{}/_config/webhooks/hook1", t.sim.url)).form(&form).send().await.unwrap();
    assert!(r.status().is_success());
    t.create(&[("name", "Ada")]).await;
    eventually("the delivery", || async { listener.all().len() == 1 }).await;
    let r = &listener.all()[0];
    verify(&r.body, r.signature.as_deref(), &[WebhookSecret::new(SECRET)], DEFAULT_TOLERANCE, now()).unwrap();
    eventually("the attempt to be logged", || async { t.sim.control.delivery_counters().delivered == 1 }).await;
    let deliveries: serde_json::Value =
        t.http.get(format!("{}/_sim/deliveries", t.sim.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(deliveries["counters"]["delivered"], 1);
    assert_eq!(deliveries["attempts"][0]["endpoint_id"], "hook1");
    assert_eq!(deliveries["attempts"][0]["status"], 200);
}

#[tokio::test]
async fn many_events_are_all_delivered_concurrently() {
    let listener = Listener::default();
    let url = listener.start();
    let t = start().await;
    t.sim.control.add_webhook("we_many", &url, SECRET, &["*"]);
    for i in 0..50 {
        t.create(&[("name", &format!("C{i}"))]).await;
    }
    eventually("50 deliveries", || async { t.sim.control.delivery_counters().delivered == 50 }).await;
    let mut ids: Vec<_> = listener.events().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50);
}
