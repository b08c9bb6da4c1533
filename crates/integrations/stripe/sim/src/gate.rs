//! What runs around every API call (`/v1/…`), in Stripe's order: a `Request-Id`, the `Stripe-Version`
//! (the request's, or the account's default, echoed back), authentication (401) and the rate limit (429),
//! plus the [`Call`] extractor that hands handlers the request's id, version and idempotency key.

use std::future::{Ready, ready};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use base64::Engine;

use crate::app::Sim;
use crate::error::ApiError;

/// The request as handlers see it.
#[derive(Debug, Clone)]
pub struct Call {
    pub request_id: String,
    pub api_version: String,
    pub idempotency_key: Option<String>,
}

pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let Some(sim) = req.app_data::<web::Data<Sim>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    if !req.path().starts_with("/v1/") {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    let call = Call {
        request_id: crate::ids::request(),
        api_version: header(req.headers(), "stripe-version").unwrap_or(&sim.config.api_version).to_owned(),
        idempotency_key: header(req.headers(), "idempotency-key").map(str::to_owned).filter(|k| !k.is_empty()),
    };
    let admitted =
        authenticate(req.headers()).and_then(|()| sim.admit().then_some(()).ok_or_else(ApiError::rate_limited));
    let mut response = match admitted {
        Err(e) => req.into_response(e.error_response()).map_into_right_body(),
        Ok(()) => {
            req.extensions_mut().insert(call.clone());
            next.call(req).await?.map_into_left_body()
        }
    };
    let headers = response.headers_mut();
    insert(headers, "request-id", &call.request_id);
    insert(headers, "stripe-version", &call.api_version);
    Ok(response)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

fn insert(headers: &mut HeaderMap, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        headers.insert(HeaderName::from_static(name), v);
    }
}

/// `Authorization: Bearer <key>` or Basic auth with the key as the user name; test-mode keys only.
fn authenticate(headers: &HeaderMap) -> Result<(), ApiError> {
    let value = header(headers, "authorization").ok_or_else(ApiError::missing_key)?;
    let key = if let Some(token) = value.strip_prefix("Bearer ") {
        token.trim().to_owned()
    } else if let Some(basic) = value.strip_prefix("Basic ") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(basic.trim()).unwrap_or_default();
        let text = String::from_utf8_lossy(&decoded).into_owned();
        text.split(':').next().unwrap_or_default().to_owned()
    } else {
        return Err(ApiError::missing_key());
    };
    if key.is_empty() {
        return Err(ApiError::missing_key());
    }
    let valid = ["sk_test_", "rk_test_"].iter().any(|p| key.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if valid { Ok(()) } else { Err(ApiError::invalid_key(&key)) }
}

impl FromRequest for Call {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<Call>().cloned().ok_or_else(ApiError::missing_key))
    }
}
