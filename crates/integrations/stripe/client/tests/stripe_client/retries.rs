//! Retries against a real local HTTP server that fails on cue: what is retried, how often, and that every
//! attempt carries the same Idempotency-Key.

use std::collections::VecDeque;
use std::sync::Mutex;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use stripe_client::{CustomerParams, StripeClient, StripeConfig, StripeError};

use crate::helpers::{fast_config, key};

/// One scripted answer: status, whether to send `Stripe-Should-Retry`, and how long to wait before answering.
type Answer = (u16, Option<&'static str>, u64);

#[derive(Default)]
struct Script {
    answers: Mutex<VecDeque<Answer>>,
    seen_keys: Mutex<Vec<Option<String>>>,
}

async fn answer(req: HttpRequest, script: web::Data<Script>) -> HttpResponse {
    let key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    script.seen_keys.lock().expect("not poisoned").push(key);
    let next = script.answers.lock().expect("not poisoned").pop_front();
    let (status, should_retry, delay_ms) = next.unwrap_or((200, None, 0));
    tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
    let status = actix_web::http::StatusCode::from_u16(status).expect("valid status");
    let mut res = HttpResponse::build(status);
    res.insert_header(("Request-Id", "req_scripted"));
    if let Some(v) = should_retry {
        res.insert_header(("Stripe-Should-Retry", v));
    }
    if status.is_success() {
        res.json(serde_json::json!({"id": "cus_retry", "object": "customer", "metadata": {}}))
    } else {
        res.json(serde_json::json!({"error": {"type": "api_error", "message": "scripted failure"}}))
    }
}

/// Starts a server on port 0 that answers `answers` in order, then 200s. Returns its URL and script.
fn serve(answers: &[Answer]) -> (String, web::Data<Script>) {
    let script = web::Data::new(Script::default());
    script.answers.lock().expect("not poisoned").extend(answers.iter().copied());
    let data = script.clone();
    let server = HttpServer::new(move || App::new().app_data(data.clone()).default_service(web::to(answer)))
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind port 0");
    let url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    (url, script)
}

fn keys(script: &Script) -> Vec<Option<String>> {
    script.seen_keys.lock().expect("not poisoned").clone()
}

async fn create(config: &StripeConfig) -> (Result<String, StripeError>, String) {
    let key = key("create");
    let client = StripeClient::new(config).expect("valid config");
    let res = client.create_customer(&CustomerParams::default(), &key).await;
    (res.map(|r| r.body.id), key.to_string())
}

#[tokio::test]
async fn rate_limits_server_errors_and_conflicts_are_retried_with_the_same_idempotency_key() {
    let (url, script) = serve(&[(429, None, 0), (500, None, 0), (409, None, 0)]);
    let (res, key) = create(&fast_config(&url)).await;
    assert_eq!(res.expect("the fourth attempt succeeds"), "cus_retry");
    assert_eq!(keys(&script), vec![Some(key); 4]);
}

#[tokio::test]
async fn stripe_should_retry_false_stops_retries_even_for_a_server_error() {
    let (url, script) = serve(&[(500, Some("false"), 0)]);
    let (res, _) = create(&fast_config(&url)).await;
    let err = res.expect_err("no retry");
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.request_id(), Some("req_scripted"));
    assert_eq!(keys(&script).len(), 1);
}

#[tokio::test]
async fn stripe_should_retry_true_retries_even_a_client_error() {
    let (url, script) = serve(&[(400, Some("true"), 0)]);
    let (res, _) = create(&fast_config(&url)).await;
    assert!(res.is_ok());
    assert_eq!(keys(&script).len(), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let (url, script) = serve(&[(400, None, 0)]);
    let (res, _) = create(&fast_config(&url)).await;
    assert_eq!(res.expect_err("400 is final").status(), Some(400));
    assert_eq!(keys(&script).len(), 1);
}

#[tokio::test]
async fn retries_stop_after_the_configured_number_and_return_the_last_error() {
    let (url, script) = serve(&[(503, None, 0); 10]);
    let config = StripeConfig { max_retries: 2, ..fast_config(&url) };
    let (res, _) = create(&config).await;
    assert_eq!(res.expect_err("still failing").status(), Some(503));
    assert_eq!(keys(&script).len(), 3);
}

#[tokio::test]
async fn connection_errors_are_retried_then_reported_as_transport_errors() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let started = std::time::Instant::now();
    let (res, _) = create(&fast_config(&format!("http://127.0.0.1:{port}"))).await;
    assert!(matches!(res, Err(StripeError::Transport(_))), "{res:?}");
    assert!(started.elapsed() >= std::time::Duration::from_millis(20), "backed off between attempts");
}

#[tokio::test]
async fn a_request_that_times_out_is_sent_again_with_the_same_idempotency_key() {
    let (url, script) = serve(&[(200, None, 2_000)]);
    let config = StripeConfig { timeout_ms: 300, ..fast_config(&url) };
    let (res, key) = create(&config).await;
    assert_eq!(res.expect("the retry is answered in time"), "cus_retry");
    assert_eq!(keys(&script), vec![Some(key.clone()), Some(key)]);
}
