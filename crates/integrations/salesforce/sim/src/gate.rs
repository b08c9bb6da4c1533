//! What runs around every REST call (`/services/data/vNN.0/…`), in Salesforce's order: the session check
//! (401 INVALID_SESSION_ID), the daily allocation (403 REQUEST_LIMIT_EXCEEDED), injected latency and
//! SERVER_UNAVAILABLE, and the `Sforce-Limit-Info` header on every response. Also the [`Actor`] extractor.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use rand::Rng;

use crate::app::Sim;
use crate::error::ApiError;
use crate::state::Actor;

const LIMIT_INFO: HeaderName = HeaderName::from_static("sforce-limit-info");

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(sim) = req.app_data::<web::Data<Sim>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let path = req.path();
    if !path.starts_with("/services/data/v") {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    if let Err(e) = admit(&sim, &req).await {
        let mut response = req.into_response(e.error_response()).map_into_right_body();
        limit_header(&sim, response.headers_mut());
        return Ok(response);
    }
    let mut response = next.call(req).await?.map_into_left_body();
    limit_header(&sim, response.headers_mut());
    Ok(response)
}

async fn admit(sim: &Sim, req: &ServiceRequest) -> Result<(), ApiError> {
    let user_id = bearer(req.headers()).and_then(|t| sim.sessions.check(t)).ok_or_else(ApiError::invalid_session)?;
    if !sim.take_api_call() {
        return Err(ApiError::limit_exceeded());
    }
    let faults = sim.faults();
    if !faults.added_latency.is_zero() {
        tokio::time::sleep(faults.added_latency).await;
    }
    if rand::rng().random_bool(faults.server_unavailable_rate.clamp(0.0, 1.0)) {
        return Err(ApiError::server_unavailable());
    }
    let client = call_options_client(req.headers());
    req.extensions_mut().insert(Actor { user_id, client });
    Ok(())
}

fn limit_header(sim: &Sim, headers: &mut HeaderMap) {
    let (used, limit) = sim.usage();
    if let Ok(value) = HeaderValue::from_str(&format!("api-usage={used}/{limit}")) {
        headers.insert(LIMIT_INFO, value);
    }
}

/// The token of `Authorization: Bearer …` (or Salesforce's older `OAuth …`).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get("Authorization")?.to_str().ok()?;
    value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("OAuth ")).map(str::trim)
}

/// `client=` of `Sforce-Call-Options: client=name[, defaultNamespace=…]`.
pub fn call_options_client(headers: &HeaderMap) -> Option<String> {
    let value = headers.get("Sforce-Call-Options")?.to_str().ok()?;
    value
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("client"))
        .map(|(_, v)| v.trim().to_owned())
}

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Actor>().cloned().ok_or_else(ApiError::invalid_session))
    }
}
