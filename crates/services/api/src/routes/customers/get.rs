//! GET /v1/customers/{id}

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::body::customer_response;
use crate::error::ApiError;
use crate::state::AppState;

/// A customer.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}",
    tag = "customers",
    params(("id" = uuid::Uuid, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The customer", body = crate::routes::openapi::Customer, headers(
            ("ETag" = String, description = "The customer's version, e.g. `\"3\"`; send it as `If-Match`"),
        )),
        (status = 404, description = "No customer with this id (or not an id)", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "The database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn get(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let customer = store::customer::find(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    Ok(customer_response(HttpResponse::Ok(), customer))
}
