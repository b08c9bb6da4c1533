//! The product's stripe-client calls against stripe-mock (Stripe's official mock, whose answers follow
//! Stripe's OpenAPI spec) and against stripe-sim: both must accept them, and their answers must have the
//! same shape (the same keys with the same JSON types, recursively; `null` stands for any type, as the
//! spec's nullable fields do, and metadata keys are data). Needs stripe-mock on `STRIPE_MOCK_URL`
//! (default `http://127.0.0.1:12111`; `scripts/lib/stripe_mock.sh` starts it).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;
use stripe_client::{ApiKey, CustomerParams, IdempotencyKey, ListParams, Retrieved, StripeClient, StripeConfig};

use crate::helpers::{KEY, start};

fn stripe_mock_url() -> String {
    std::env::var("STRIPE_MOCK_URL").unwrap_or_else(|_| "http://127.0.0.1:12111".to_owned())
}

fn client(base: &str) -> StripeClient {
    let config = StripeConfig {
        rate_limit: 1_000.0,
        retry_base_ms: 5,
        retry_max_ms: 20,
        ..StripeConfig::new(base, ApiKey::new(KEY))
    };
    StripeClient::new(&config).expect("valid config")
}

fn key(op: &str) -> IdempotencyKey {
    IdempotencyKey::new(format!("shape-{op}-{}", stripe_sim::ids::request())).expect("valid key")
}

fn params() -> CustomerParams {
    CustomerParams {
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        phone: Some("+44 20 7946 0000".into()),
        description: Some("first programmer".into()),
        metadata: BTreeMap::from([("customer_sync_id".into(), "local-1".into())]),
    }
}

/// The same pairs stripe-client sends for `params` (its `form_pairs` is private to it).
fn form(p: &CustomerParams) -> Vec<(String, String)> {
    let fields = [("name", &p.name), ("email", &p.email), ("phone", &p.phone), ("description", &p.description)];
    let mut out: Vec<(String, String)> =
        fields.into_iter().filter_map(|(k, v)| v.clone().map(|v| (k.to_owned(), v))).collect();
    out.extend(p.metadata.iter().map(|(k, v)| (format!("metadata[{k}]"), v.clone())));
    out
}

async fn raw(base: &str, method: Method, path: &str, form: &[(String, String)]) -> Value {
    let r = reqwest::Client::new().request(method, format!("{base}{path}")).bearer_auth(KEY).form(form).send().await;
    let r = r.unwrap_or_else(|e| panic!("{base} unreachable ({e}); start stripe-mock with scripts/lib/stripe_mock.sh"));
    assert!(r.status().is_success(), "{base}{path}: {}", r.status());
    r.json().await.expect("json")
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn compare(path: &str, mock: &Value, sim: &Value, diffs: &mut Vec<String>) {
    match (mock, sim) {
        (Value::Null, _) | (_, Value::Null) => {}
        (Value::Object(a), Value::Object(b)) => {
            if path.ends_with(".metadata") {
                return;
            }
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                diffs.push(format!("{path}.{k}: only stripe-mock has it"));
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                diffs.push(format!("{path}.{k}: only stripe-sim has it"));
            }
            for (k, v) in a.iter().filter_map(|(k, v)| b.get(k).map(|w| (k, (v, w)))) {
                compare(&format!("{path}.{k}"), v.0, v.1, diffs);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if let (Some(x), Some(y)) = (a.first(), b.first()) {
                compare(&format!("{path}[0]"), x, y, diffs);
            }
        }
        (a, b) if kind(a) != kind(b) => diffs.push(format!("{path}: {} vs {}", kind(a), kind(b))),
        _ => {}
    }
}

fn assert_same_shape(what: &str, mock: &Value, sim: &Value) {
    let mut diffs = Vec::new();
    compare(what, mock, sim, &mut diffs);
    assert!(diffs.is_empty(), "{what}: shapes differ:\n{}\nstripe-mock: {mock}\nstripe-sim: {sim}", diffs.join("\n"));
}

#[tokio::test]
async fn stripe_clients_customer_calls_are_accepted_by_both_and_answer_the_same_shapes() {
    let t = start().await;
    let mock = stripe_mock_url();
    for base in [mock.as_str(), t.sim.url.as_str()] {
        let c = client(base);
        let created = c.create_customer(&params(), &key("create")).await.expect("create accepted").body;
        assert!(matches!(c.retrieve_customer(&created.id).await.expect("retrieve").body, Retrieved::Active(_)));
        let update =
            CustomerParams { email: Some("ada@example.org".into()), phone: Some(String::new()), ..Default::default() };
        c.update_customer(&created.id, &update, &key("update")).await.expect("update accepted");
        let list = ListParams { limit: Some(100), starting_after: None, email: Some("ada@example.org".into()) };
        c.list_customers(&list).await.expect("list accepted");
        assert!(c.delete_customer(&created.id, &key("delete")).await.expect("delete accepted").body.deleted);
    }
    let sim = t.sim.url.as_str();
    let f = form(&params());
    let (m, s) =
        (raw(&mock, Method::POST, "/v1/customers", &f).await, raw(sim, Method::POST, "/v1/customers", &f).await);
    assert_same_shape("create", &m, &s);
    let id = s["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/customers/{id}");
    assert_same_shape(
        "retrieve",
        &raw(&mock, Method::GET, "/v1/customers/cus_123", &[]).await,
        &raw(sim, Method::GET, &path, &[]).await,
    );
    let upd = form(&CustomerParams { email: Some("ada@example.org".into()), ..Default::default() });
    assert_same_shape(
        "update",
        &raw(&mock, Method::POST, "/v1/customers/cus_123", &upd).await,
        &raw(sim, Method::POST, &path, &upd).await,
    );
    let list = "/v1/customers?limit=100";
    assert_same_shape("list", &raw(&mock, Method::GET, list, &[]).await, &raw(sim, Method::GET, list, &[]).await);
    assert_same_shape(
        "delete",
        &raw(&mock, Method::DELETE, "/v1/customers/cus_123", &[]).await,
        &raw(sim, Method::DELETE, &path, &[]).await,
    );
}
