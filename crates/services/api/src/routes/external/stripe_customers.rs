//! /v1/stripe/customers: customers in Stripe, in Stripe's shape (`id`, `object`, `name`, `email`, `phone`,
//! `metadata`, …). Writes carry the product's idempotency key, so real Stripe's webhook of them is recognised
//! as the product's own; the change is announced here instead.

use actix_web::{HttpResponse, web};
use events::Action;
use model::ExternalCustomer;
use serde::Deserialize;
use stripe_client::{CustomerParams, IdempotencyKey, ListParams, Retrieved, StripeCustomer};

use super::{ListQuery, announce, checked};
use crate::error::ApiError;
use crate::extract::{JsonObject, Trace};
use crate::state::AppState;

/// The writable customer fields; absent ones are left as they are on update. The customer they make must pass
/// the catalog's rules, or it is a 422.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = StripeCustomerChange)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::customer_name_or_null)]
    name: Option<String>,
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::customer_email_or_null)]
    email: Option<String>,
    /// Absent or null: unchanged; blank: cleared.
    #[serde(default)]
    #[schema(schema_with = crate::routes::openapi::customer_phone_patch)]
    phone: Option<String>,
}

impl CustomerBody {
    /// The parameters to send, after checking the result (`base` with this body over it) with the catalog's
    /// rules.
    fn params(self, base: &StripeCustomer) -> Result<CustomerParams, ApiError> {
        let current = base.fields();
        let name = self.name.unwrap_or(current.name);
        let email = self.email.unwrap_or(current.email);
        let phone = self.phone.or(current.phone);
        let f = checked(&name, &email, phone.as_deref())?;
        Ok(CustomerParams {
            name: Some(f.name),
            email: Some(f.email),
            phone: Some(f.phone.unwrap_or_default()),
            ..Default::default()
        })
    }
}

fn key(operation: &str) -> Result<IdempotencyKey, ApiError> {
    IdempotencyKey::for_event(uuid::Uuid::now_v7(), operation).map_err(ApiError::from)
}

async fn publish(state: &AppState, customer: &StripeCustomer, action: Action, trace: &Trace) -> Result<(), ApiError> {
    let delivery = format!("api-{}", uuid::Uuid::now_v7());
    let event = sync_stripe::inbound::customer_event(customer, action, chrono::Utc::now(), Some(&delivery));
    announce(state, sync_stripe::STRIPE, &event, trace.0.as_str()).await
}

async fn read(state: &AppState, id: &str) -> Result<StripeCustomer, ApiError> {
    match state.stripe()?.retrieve_customer(id).await?.body {
        Retrieved::Active(c) => Ok(c),
        Retrieved::Deleted { .. } => Err(ApiError::External {
            system: "stripe",
            status: 404,
            code: "resource_missing".into(),
            message: format!("No such customer: '{id}' (deleted)"),
            field: Some("id".into()),
        }),
    }
}

/// Creates a customer in Stripe, and announces it as Stripe's webhook would.
#[utoipa::path(
    post,
    path = "/v1/stripe/customers",
    tag = "stripe",
    request_body = crate::routes::openapi::StripeCustomerCreate,
    responses(
        (status = 201, description = "The customer as Stripe now has it", body = crate::routes::openapi::StripeCustomer),
        (status = 502, description = "Stripe failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Stripe is not configured or unavailable, or the database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<JsonObject<CustomerBody>>,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let base = StripeCustomer::from_fields(
        &model::CustomerFields { name: String::new(), email: String::new(), phone: None },
        uuid::Uuid::nil(),
    );
    let params = body.into_inner().0.params(&base)?;
    let created = state.stripe()?.create_customer(&params, &key("api.create")?).await?.body;
    publish(&state, &created, Action::Created, &trace).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The newest customers in Stripe.
#[utoipa::path(
    get,
    path = "/v1/stripe/customers",
    tag = "stripe",
    params(("limit" = Option<u8>, Query, minimum = 1, maximum = 100, description = "How many, 1 to 100 (20)")),
    responses(
        (status = 200, description = "A page", body = crate::routes::openapi::StripeCustomerList),
        (status = 422, description = "A `limit` out of range, an unknown parameter, or a request Stripe refused", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Stripe failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Stripe is not configured or unavailable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let params = ListParams { limit: Some(query.limit(100)?), ..Default::default() };
    let page = state.stripe()?.list_customers(&params).await?.body;
    Ok(HttpResponse::Ok().json(serde_json::json!({"object": "list", "data": page.data, "has_more": page.has_more})))
}

/// A customer in Stripe.
#[utoipa::path(
    get,
    path = "/v1/stripe/customers/{id}",
    tag = "stripe",
    params(("id" = String, Path, description = "The customer's Stripe id (`cus_…`)")),
    responses(
        (status = 200, description = "The customer", body = crate::routes::openapi::StripeCustomer),
        (status = 404, description = "No such customer, or a deleted one (`resource_missing`)", body = crate::routes::openapi::ErrorBody),
        (status = 422, description = "A request Stripe refused", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Stripe failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Stripe is not configured or unavailable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(read(&state, &id).await?))
}

/// Changes a customer in Stripe, and announces it as Stripe's webhook would.
#[utoipa::path(
    patch,
    path = "/v1/stripe/customers/{id}",
    tag = "stripe",
    params(("id" = String, Path, description = "The customer's Stripe id (`cus_…`)")),
    request_body = CustomerBody,
    responses(
        (status = 200, description = "The customer as Stripe now has it", body = crate::routes::openapi::StripeCustomer),
        (status = 404, description = "No such customer (`resource_missing`)", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Stripe failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Stripe is not configured or unavailable, or the database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<JsonObject<CustomerBody>>,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let current = read(&state, &id).await?;
    let params = body.into_inner().0.params(&current)?;
    let updated = state.stripe()?.update_customer(&id, &params, &key("api.update")?).await?.body;
    publish(&state, &updated, Action::Updated, &trace).await?;
    Ok(HttpResponse::Ok().json(updated))
}

/// Deletes a customer in Stripe, and announces it as Stripe's webhook would.
#[utoipa::path(
    delete,
    path = "/v1/stripe/customers/{id}",
    tag = "stripe",
    params(("id" = String, Path, description = "The customer's Stripe id (`cus_…`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such customer (`resource_missing`)", body = crate::routes::openapi::ErrorBody),
        (status = 422, description = "A request Stripe refused", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Stripe failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Stripe is not configured or unavailable, or the database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn delete(state: web::Data<AppState>, id: web::Path<String>, trace: Trace) -> Result<HttpResponse, ApiError> {
    let current = read(&state, &id).await?;
    state.stripe()?.delete_customer(&id, &key("api.delete")?).await?;
    publish(&state, &current, Action::Deleted, &trace).await?;
    Ok(HttpResponse::NoContent().finish())
}
