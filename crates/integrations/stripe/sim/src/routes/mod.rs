//! The HTTP surface: Stripe's `/v1/` routes, the simulator's own `/_sim/` and localstripe's `/_config/`
//! routes, and Stripe's answer to any other URL.

mod admin;
mod customers;
mod endpoints;
mod events;
pub(crate) mod respond;
mod search;

use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    customers::configure(cfg);
    events::configure(cfg);
    endpoints::configure(cfg);
    admin::configure(cfg);
}

/// Stripe answers unknown URLs (and unknown methods on known ones) with a 404 `invalid_request_error`.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::unrecognized_url(req.method().as_str(), req.path()).error_response()
}
