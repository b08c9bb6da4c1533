//! POST /v1/customers

use actix_web::{HttpResponse, http::header, web};
use model::{ChangeContext, catalog};

use super::body::{CreateCustomer, customer_response};
use crate::error::ApiError;
use crate::extract::Trace;
use crate::state::AppState;

#[tracing::instrument(skip_all, fields(trace_id = %trace.0.trace_id(), customer_id))]
pub async fn create(
    state: web::Data<AppState>,
    trace: Trace,
    body: web::Json<CreateCustomer>,
) -> Result<HttpResponse, ApiError> {
    let fields = body.into_inner().validate()?;
    let mut conn = state.conn().await?;
    let ctx = ChangeContext::local(Some(trace.0.as_str().to_owned()));
    let customer = catalog::create(&mut conn, &fields, &ctx).await?;
    tracing::Span::current().record("customer_id", tracing::field::display(customer.id));
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, format!("/v1/customers/{}", customer.id)));
    Ok(customer_response(builder, customer))
}
