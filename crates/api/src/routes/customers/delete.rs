//! DELETE /v1/customers/{id} — `If-Match: "<version>"` makes it conditional (412 when stale).

use actix_web::{HttpResponse, web};
use model::{ChangeContext, catalog};
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::{IfMatch, Trace};
use crate::state::AppState;

#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), customer_id = %id))]
pub async fn delete(
    state: web::Data<AppState>,
    trace: Trace,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let ctx = ChangeContext::local(Some(trace.0.as_str().to_owned()));
    catalog::delete(&mut conn, *id, if_match.0, &ctx).await?;
    Ok(HttpResponse::NoContent().finish())
}
