//! /v1/salesforce/contacts: Contacts in Salesforce, in Salesforce's shape (`Id`, `FirstName`, `LastName`,
//! `Email`, `Phone`, `SystemModstamp`, …).

use actix_web::{HttpResponse, web};
use events::Action;
use model::ExternalCustomer;
use salesforce_client::{CONTACT_FIELDS, SalesforceClient, SalesforceContact, soql};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ListQuery, announce, checked};
use crate::error::ApiError;
use crate::extract::{JsonObject, Trace};
use crate::state::AppState;

/// The writable Contact fields; absent ones are left as they are on update. The Contact they make must pass
/// the catalog's rules (a LastName; the name, email and phone rules of a customer), or it is a 422.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = ContactBody)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    #[serde(rename = "FirstName", default)]
    first_name: Option<String>,
    #[serde(rename = "LastName", default)]
    last_name: Option<String>,
    #[serde(rename = "Email", default)]
    email: Option<String>,
    #[serde(rename = "Phone", default)]
    phone: Option<String>,
}

impl ContactBody {
    /// `base` with this body's fields over it, checked with the catalog's rules.
    fn over(self, base: &SalesforceContact) -> Result<SalesforceContact, ApiError> {
        let contact = SalesforceContact {
            first_name: self.first_name.or_else(|| base.first_name.clone()),
            last_name: self.last_name.or_else(|| base.last_name.clone()),
            email: self.email.or_else(|| base.email.clone()),
            phone: self.phone.or_else(|| base.phone.clone()),
            ..Default::default()
        };
        if contact.last_name.as_deref().is_none_or(|l| l.trim().is_empty()) {
            return Err(ApiError::validation("LastName", "LastName is required"));
        }
        let fields = contact.fields();
        checked(&fields.name, &fields.email, fields.phone.as_deref())?;
        Ok(contact)
    }
}

fn fields(client: &SalesforceClient) -> Vec<&str> {
    let mut fields = CONTACT_FIELDS.to_vec();
    fields.push(client.external_id_field());
    fields
}

/// A Contact as Salesforce answers it, the external-id field included.
fn shape(client: &SalesforceClient, contact: &SalesforceContact) -> Value {
    let mut value = serde_json::to_value(contact).unwrap_or(Value::Null);
    value["attributes"] = json!({"type": "Contact"});
    value[client.external_id_field()] = json!(contact.customer_id);
    value
}

async fn read(client: &SalesforceClient, id: &str) -> Result<SalesforceContact, ApiError> {
    Ok(client.get_contact(id, Some(&fields(client))).await?)
}

async fn publish(state: &AppState, contact: &SalesforceContact, action: Action, trace: &Trace) -> Result<(), ApiError> {
    let delivery = format!("api-{}", uuid::Uuid::now_v7());
    let event = sync_salesforce::inbound::contact_event(contact, action, &delivery, chrono::Utc::now())
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("Salesforce returned a Contact without an Id")))?;
    announce(state, sync_salesforce::SALESFORCE, &event, trace.0.as_str()).await
}

/// Creates a Contact in Salesforce, and announces it as Salesforce would.
#[utoipa::path(
    post,
    path = "/v1/salesforce/contacts",
    tag = "salesforce",
    request_body = ContactBody,
    responses(
        (status = 201, description = "The Contact as Salesforce now has it", body = crate::routes::openapi::SalesforceContact),
        (status = 409, description = "Salesforce refused a duplicate (`DUPLICATE_VALUE`, `DUPLICATES_DETECTED`)", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Salesforce failed otherwise; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Salesforce is not configured or unavailable, or the database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<JsonObject<ContactBody>>,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let contact = body.into_inner().0.over(&SalesforceContact::default())?;
    let id = client.create_contact(&contact).await?;
    let created = read(client, &id).await?;
    publish(&state, &created, Action::Created, &trace).await?;
    Ok(HttpResponse::Created().json(shape(client, &created)))
}

/// The most recently changed Contacts in Salesforce.
#[utoipa::path(
    get,
    path = "/v1/salesforce/contacts",
    tag = "salesforce",
    params(("limit" = Option<u8>, Query, minimum = 1, maximum = 200, description = "How many, 1 to 200 (20)")),
    responses(
        (status = 200, description = "The Contacts", body = crate::routes::openapi::SalesforceContactList),
        (status = 400, description = "Salesforce refused the query", body = crate::routes::openapi::ErrorBody),
        (status = 422, description = "A `limit` out of range, or an unknown parameter", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Salesforce failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Salesforce is not configured or unavailable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let limit = query.limit(200)?;
    let newest_first = soql::Query::contacts(&fields(client))?
        .filter(soql::Filter::ne("LastModifiedDate", soql::Value::Null))?
        .order_by("LastModifiedDate", soql::Order::Desc)?
        .limit(limit.into());
    let contacts = client.query_contacts(&newest_first).await?;
    let records: Vec<Value> = contacts.iter().map(|c| shape(client, c)).collect();
    Ok(HttpResponse::Ok().json(json!({"totalSize": records.len(), "done": true, "records": records})))
}

/// A Contact in Salesforce.
#[utoipa::path(
    get,
    path = "/v1/salesforce/contacts/{id}",
    tag = "salesforce",
    params(("id" = String, Path, description = "The Contact's Salesforce id (`003…`)")),
    responses(
        (status = 200, description = "The Contact", body = crate::routes::openapi::SalesforceContact),
        (status = 400, description = "Not an id Salesforce can be asked for", body = crate::routes::openapi::ErrorBody),
        (status = 404, description = "No such Contact (`NOT_FOUND`, `ENTITY_IS_DELETED`, `MALFORMED_ID`)", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Salesforce failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Salesforce is not configured or unavailable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    Ok(HttpResponse::Ok().json(shape(client, &read(client, &id).await?)))
}

/// Changes a Contact in Salesforce, and announces it as Salesforce would.
#[utoipa::path(
    patch,
    path = "/v1/salesforce/contacts/{id}",
    tag = "salesforce",
    params(("id" = String, Path, description = "The Contact's Salesforce id (`003…`)")),
    request_body = ContactBody,
    responses(
        (status = 200, description = "The Contact as Salesforce now has it", body = crate::routes::openapi::SalesforceContact),
        (status = 404, description = "No such Contact", body = crate::routes::openapi::ErrorBody),
        (status = 409, description = "Salesforce refused a duplicate", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Salesforce failed otherwise; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Salesforce is not configured or unavailable, or the database is unreachable", body = crate::routes::openapi::ErrorBody),
        crate::routes::openapi::JsonBodyRefusals,
    )
)]
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<JsonObject<ContactBody>>,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let current = read(client, &id).await?;
    let changed = body.into_inner().0.over(&current)?;
    client.update_contact(&id, &changed).await?;
    let updated = read(client, &id).await?;
    publish(&state, &updated, Action::Updated, &trace).await?;
    Ok(HttpResponse::Ok().json(shape(client, &updated)))
}

/// Deletes a Contact in Salesforce, and announces it as Salesforce would.
#[utoipa::path(
    delete,
    path = "/v1/salesforce/contacts/{id}",
    tag = "salesforce",
    params(("id" = String, Path, description = "The Contact's Salesforce id (`003…`)")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not an id Salesforce can be asked for", body = crate::routes::openapi::ErrorBody),
        (status = 404, description = "No such Contact", body = crate::routes::openapi::ErrorBody),
        (status = 502, description = "Salesforce failed; its code is kept", body = crate::routes::openapi::ErrorBody),
        (status = 503, description = "Salesforce is not configured or unavailable, or the database is unreachable", body = crate::routes::openapi::ErrorBody),
    )
)]
pub async fn delete(state: web::Data<AppState>, id: web::Path<String>, trace: Trace) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let current = read(client, &id).await?;
    client.delete_contact(&id).await?;
    publish(&state, &SalesforceContact { is_deleted: Some(true), ..current }, Action::Deleted, &trace).await?;
    Ok(HttpResponse::NoContent().finish())
}
