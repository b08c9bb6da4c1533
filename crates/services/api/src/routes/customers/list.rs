//! GET /v1/customers?limit=&cursor= — cursor pagination in creation order. `next_cursor` is null on the last
//! page; pass it back as `cursor` for the next one.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many customers, 1 to 100 (20).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// The previous page's `next_cursor`.
    #[param(value_type = Option<uuid::Uuid>)]
    cursor: Option<String>,
}

/// Customers in creation order, a page at a time.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    params(ListQuery),
    responses(
        (status = 200, description = "A page", body = crate::routes::openapi::CustomerPage),
        (status = 422, description = "A `limit` out of range, or a `cursor` this api did not give", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let limit = match query.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(l) => l.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
            ApiError::validation("limit", format!("limit must be a whole number from 1 to {MAX_LIMIT}"))
        })?,
    };
    let after = query
        .cursor
        .as_deref()
        .map(|c| Uuid::parse_str(c).map_err(|_| ApiError::validation("cursor", "cursor is not one this API gave")))
        .transpose()?;
    let mut conn = state.conn().await?;
    // One extra row tells whether another page exists.
    let mut rows = store::customer::list(&mut conn, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more.then(|| rows.last().map(|c| c.id.to_string())).flatten();
    Ok(HttpResponse::Ok().json(json!({ "data": rows, "next_cursor": next_cursor })))
}
