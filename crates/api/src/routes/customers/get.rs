//! GET /v1/customers/{id}

use actix_web::{HttpResponse, web};
use uuid::Uuid;

use super::body::customer_response;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn get(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.conn().await?;
    let customer = model::customer::find(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    Ok(customer_response(HttpResponse::Ok(), customer))
}
