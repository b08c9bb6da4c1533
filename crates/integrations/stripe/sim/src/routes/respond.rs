//! How every API handler answers: parameters from the query string and the form body, the injected
//! faults, and for writes the idempotency layer around the change.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use crate::app::Sim;
use crate::error::ApiError;
use crate::form::Params;
use crate::gate::Call;
use crate::idempotency::{self, Claim, Outcome};
use crate::state::{Origin, State};

/// The query string's parameters followed by the body's.
pub fn params(req: &HttpRequest, body: &[u8]) -> Result<Params, ApiError> {
    let mut bytes = req.query_string().as_bytes().to_vec();
    if !body.is_empty() {
        if !bytes.is_empty() {
            bytes.push(b'&');
        }
        bytes.extend_from_slice(body);
    }
    Params::parse(&bytes)
}

fn json(status: u16, body: &Value) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap_or(StatusCode::OK)).json(body)
}

fn answer(result: Result<Value, ApiError>) -> (u16, Value) {
    match result {
        Ok(v) => (200, v),
        Err(e) => (e.status, e.body()),
    }
}

/// A read: faults, then `f` on the state.
pub async fn read(
    sim: &Sim,
    req: &HttpRequest,
    f: impl FnOnce(&State, &Params) -> Result<Value, ApiError>,
) -> HttpResponse {
    let result = match (params(req, &[]), sim.injected().await) {
        (Err(e), _) | (_, Err(e)) => Err(e),
        (Ok(p), Ok(())) => sim.store.read(|st| f(st, &p)),
    };
    let (status, body) = answer(result);
    json(status, &body)
}

/// A write (POST, DELETE): the idempotency key is claimed first (so that a concurrent request with it sees
/// it in use), then faults apply, then `f` changes the state; its answer is saved under the key.
pub async fn write(
    sim: &Sim,
    req: &HttpRequest,
    call: &Call,
    body: &[u8],
    f: impl FnOnce(&mut State, &Params, &Origin) -> Result<Value, ApiError>,
) -> HttpResponse {
    let params = match params(req, body) {
        Ok(p) => p,
        Err(e) => return json(e.status, &e.body()),
    };
    let key = call.idempotency_key.as_deref();
    if let Some(key) = key {
        let fingerprint = format!("{} {} {}", req.method(), req.path(), params.fingerprint());
        match sim.store.write(|st| idempotency::claim(st, key, &fingerprint, crate::ids::now_ms())) {
            Err(e) => return json(e.status, &e.body()),
            Ok(Claim::Replay(o)) => return replay(&o, key),
            Ok(Claim::Run) => {}
        }
    }
    let origin = Origin {
        request_id: call.request_id.clone(),
        idempotency_key: key.map(str::to_owned),
        api_version: call.api_version.clone(),
    };
    let result = match sim.injected().await {
        Err(e) => Err(e),
        Ok(()) => sim.store.write(|st| f(st, &params, &origin)),
    };
    sim.store.wake_deliveries.notify_one();
    let (status, body) = answer(result);
    if let Some(key) = key {
        let outcome = Outcome { status, body: body.clone(), request_id: call.request_id.clone() };
        sim.store.write(|st| idempotency::finish(st, key, outcome));
    }
    let mut response = json(status, &body);
    if let Some(v) = key.and_then(|k| actix_web::http::header::HeaderValue::from_str(k).ok()) {
        response.headers_mut().insert(actix_web::http::header::HeaderName::from_static("idempotency-key"), v);
    }
    response
}

fn replay(o: &Outcome, key: &str) -> HttpResponse {
    let mut r = HttpResponse::build(StatusCode::from_u16(o.status).unwrap_or(StatusCode::OK));
    r.insert_header(("Idempotent-Replayed", "true"));
    r.insert_header(("Original-Request", o.request_id.as_str()));
    r.insert_header(("Idempotency-Key", key));
    r.json(&o.body)
}

/// `{"object":"list","url","has_more","data"}`.
pub fn list(url: &str, data: Vec<Value>, has_more: bool) -> Value {
    serde_json::json!({ "object": "list", "data": data, "has_more": has_more, "url": url })
}
