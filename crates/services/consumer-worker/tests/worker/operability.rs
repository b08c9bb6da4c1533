//! What operators watch and do, on the real binaries: the metrics of all three move when their events happen,
//! one trace id follows a change to the worker's external call, and a paused integration waits.

use std::time::Duration;

use events::{Action, Topic};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::{Value, json};

use crate::e2e::{Inbound, System, email, eventually};

/// The sum of the samples of `name` whose labels include `labels` (0 when there is none).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            let (metric, rest) = series.split_once('{').unwrap_or((series, "}"));
            if metric != name {
                return None;
            }
            let matches = labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
            matches.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

fn present(text: &str, name: &str) -> bool {
    text.lines().any(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
}

async fn scrape(url: &str) -> String {
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

struct Scrape {
    api: String,
    relay: String,
    worker: String,
}

async fn scrape_all(system: &System) -> Scrape {
    Scrape {
        api: scrape(&format!("{}/metrics", system.api_url)).await,
        relay: scrape(&system.relay_metrics).await,
        worker: scrape(&system.worker_metrics).await,
    }
}

#[tokio::test]
async fn every_metric_moves_when_its_event_happens() {
    let system = System::start().await;
    let t = Duration::from_secs(30);
    // The relay and the worker answer on their own port, health included.
    let health = system.worker_metrics.replace("/metrics", "/health");
    assert_eq!(reqwest::get(&health).await.unwrap().status(), 200);
    let before = scrape_all(&system).await;

    let created = system.create("Ada Lovelace", &email("metrics")).await;
    let id = created["id"].as_str().unwrap().to_owned();
    eventually("the customer reaches Salesforce", t, || async { system.contact(&id).await.is_some() }).await;
    eventually("the customer reaches Stripe", t, || async { system.stripe(&id).await.len() == 1 }).await;
    let refused = reqwest::Client::new().get(format!("{}/v1/customers", system.api_url)).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    // Someone edits the customer in Stripe: a webhook.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let cus = system.stripe(&id).await.remove(0);
    let params = stripe_client::CustomerParams { name: Some("Ada King".into()), ..Default::default() };
    let key = stripe_client::IdempotencyKey::new(format!("dashboard-{}", uuid::Uuid::new_v4())).unwrap();
    system.stripe_client().update_customer(&cus.id, &params, &key).await.unwrap();
    eventually("the Stripe edit reaches the catalog", t, || async {
        system.get(&id).await.is_some_and(|c| c["name"] == "Ada King")
    })
    .await;
    // A message that is not an event: dead-lettered.
    let producer: FutureProducer = system.kafka.producer_config().create().unwrap();
    let topic = system.kafka.topic_name(Topic::new(sync_stripe::STRIPE, Action::Updated));
    producer.send(FutureRecord::to(&topic).key("poison").payload("{not json"), Duration::from_secs(10)).await.unwrap();
    eventually("the poison message is dead-lettered", t, || async {
        system.db.count("dead_letters").await.unwrap() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await; // librdkafka's statistics come every 5 s

    let after = scrape_all(&system).await;
    let grew = |what: &str, before: f64, after: f64| assert!(after > before, "{what}: {before} -> {after}");
    let create = [("method", "POST"), ("route", "/v1/customers"), ("status", "201")];
    grew(
        "api requests",
        sample(&before.api, "http_requests_total", &create),
        sample(&after.api, "http_requests_total", &create),
    );
    let refusal = [("route", "/v1/customers"), ("status", "401")];
    grew(
        "api refusals",
        sample(&before.api, "http_requests_total", &refusal),
        sample(&after.api, "http_requests_total", &refusal),
    );
    let latency = [("route", "/v1/customers")];
    grew(
        "api latency histogram",
        sample(&before.api, "http_request_duration_seconds_count", &latency),
        sample(&after.api, "http_request_duration_seconds_count", &latency),
    );
    let webhook = [("source", "stripe_webhook"), ("result", "published")];
    grew(
        "webhook deliveries",
        sample(&before.api, "inbound_deliveries_total", &webhook),
        sample(&after.api, "inbound_deliveries_total", &webhook),
    );
    grew(
        "relay publishes",
        sample(&before.relay, "relay_published_total", &[]),
        sample(&after.relay, "relay_published_total", &[]),
    );
    grew(
        "relay publish lag histogram",
        sample(&before.relay, "relay_publish_lag_seconds_count", &[]),
        sample(&after.relay, "relay_publish_lag_seconds_count", &[]),
    );
    assert!(present(&after.relay, "outbox_rows") && present(&after.relay, "outbox_oldest_age_seconds"));
    for (integration, direction) in [("stripe", "outbound"), ("salesforce", "outbound"), ("stripe", "inbound")] {
        let labels = [("integration", integration), ("direction", direction), ("outcome", "applied")];
        grew(
            &format!("{integration} {direction} events applied"),
            sample(&before.worker, "sync_events_total", &labels),
            sample(&after.worker, "sync_events_total", &labels),
        );
    }
    for system_name in ["stripe", "salesforce"] {
        let labels = [("system", system_name), ("operation", "push")];
        grew(
            &format!("{system_name} call latency"),
            sample(&before.worker, "external_request_duration_seconds_count", &labels),
            sample(&after.worker, "external_request_duration_seconds_count", &labels),
        );
    }
    let stripe = [("integration", "stripe")];
    grew(
        "dead letters",
        sample(&before.worker, "worker_dead_letters_total", &stripe),
        sample(&after.worker, "worker_dead_letters_total", &stripe),
    );
    assert!(sample(&after.worker, "salesforce_api_requests_used", &[]) > 0.0, "Sforce-Limit-Info is reported");
    assert!(present(&after.worker, "kafka_consumer_lag"), "consumer lag is reported");
    assert!(present(&after.worker, "worker_paused"));
    system.silence().await;
}

#[tokio::test]
async fn one_trace_id_follows_a_change_from_the_request_to_the_workers_external_calls() {
    let json_logs = ["API_LOG_JSON", "RELAY_LOG_JSON", "WORKER_LOG_JSON"].map(|k| (k.to_owned(), "true".to_owned()));
    let inbound = Inbound { outbound_messages: true, ..Default::default() };
    let system = System::start_with(inbound, json_logs.to_vec()).await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    system.traced_changes(&format!("00-{trace}-00f067aa0ba902b7-01"), "trace").await;

    let lines: Vec<Value> = system.logs().lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(lines.len() > 10, "the binaries log JSON lines");
    let trace_of =
        |l: &Value| l["trace_id"].as_str().or_else(|| l["span"]["trace_id"].as_str()).unwrap_or_default().to_owned();
    let pushes_of = |trace: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["message"] == "pushed to the system" && trace_of(l) == trace)
            .map(|l| l["integration"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let request = lines
        .iter()
        .find(|l| l["message"] == "request" && l["route"] == "/v1/customers" && trace_of(l) == trace)
        .expect("the api's request line carries the trace id");
    assert_eq!(request["status"], 201);
    let mut pushed = pushes_of(trace);
    pushed.sort();
    assert_eq!(pushed, ["salesforce", "stripe"], "the worker's external calls carry the request's trace id");

    let message = lines
        .iter()
        .find(|l| l["message"] == "request" && l["route"] == "/webhooks/salesforce/outbound-messages/{token}")
        .expect("the Outbound Message's request line");
    let om_trace = trace_of(message);
    assert_eq!(om_trace.len(), 32);
    assert!(
        lines.iter().any(|l| l["message"] == "applied to the catalog" && trace_of(l) == om_trace),
        "the worker applied the Salesforce change under the message's trace"
    );
    assert_eq!(pushes_of(&om_trace), ["stripe"], "and pushed it on to Stripe under the same trace");
    system.silence().await;
}

#[tokio::test]
async fn a_paused_integration_consumes_nothing_until_resumed_then_catches_up() {
    let system = System::start().await;
    let t = Duration::from_secs(30);
    let pause = system.http.post(format!("{}/v1/integrations/stripe/pause", system.api_url));
    let r = pause.json(&json!({"reason": "Stripe maintenance"})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let listed: Value =
        system.http.get(format!("{}/v1/integrations", system.api_url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["data"][0]["name"], "stripe");
    assert_eq!(listed["data"][0]["paused"], true);
    assert_eq!(listed["data"][0]["pause"]["reason"], "Stripe maintenance");
    tokio::time::sleep(Duration::from_millis(1500)).await; // the worker reads pauses every second
    eventually("the worker reports the pause", t, || async {
        sample(&scrape(&system.worker_metrics).await, "worker_paused", &[("integration", "stripe")]) == 1.0
    })
    .await;

    let mut ids = Vec::new();
    for i in 0..3 {
        let created = system.create(&format!("Paused {i}"), &email("paused")).await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        let id = id.clone();
        eventually("Salesforce, not paused, gets the customer", t, || {
            let id = id.clone();
            let system = &system;
            async move { system.contact(&id).await.is_some() }
        })
        .await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for id in &ids {
        assert!(system.stripe(id).await.is_empty(), "the paused integration pushed {id}");
    }
    let stripe_handled =
        sample(&scrape(&system.worker_metrics).await, "sync_events_total", &[("integration", "stripe")]);
    assert_eq!(stripe_handled, 0.0, "no Stripe event was handled while paused");

    let r = system.http.post(format!("{}/v1/integrations/stripe/resume", system.api_url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    for id in &ids {
        let id = id.clone();
        eventually("after the resume, Stripe catches up", t, || {
            let id = id.clone();
            let system = &system;
            async move { system.stripe(&id).await.len() == 1 }
        })
        .await;
    }
    let r = system.http.post(format!("{}/v1/integrations/quickbooks/pause", system.api_url)).send().await.unwrap();
    assert_eq!(r.status(), 404);
    system.silence().await;
}
