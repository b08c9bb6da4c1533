//! PATCH /v1/customers/{id} — partial update; `If-Match: "<version>"` makes it conditional (412 when stale).
//! A patch that changes nothing writes nothing and emits no event.

use actix_web::{HttpResponse, web};
use model::{ChangeContext, catalog};
use uuid::Uuid;

use super::body::{PatchCustomer, customer_response};
use crate::error::ApiError;
use crate::extract::{IfMatch, Trace};
use crate::state::AppState;

#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), customer_id = %id))]
pub async fn update(
    state: web::Data<AppState>,
    trace: Trace,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<PatchCustomer>,
) -> Result<HttpResponse, ApiError> {
    let patch = body.into_inner().validate()?;
    let mut conn = state.conn().await?;
    let ctx = ChangeContext::local(Some(trace.0.as_str().to_owned()));
    let (customer, changed) = catalog::update(&mut conn, *id, &patch, if_match.0, &ctx).await?;
    tracing::debug!(changed, "customer patched");
    Ok(customer_response(HttpResponse::Ok(), customer))
}
