//! /v1/salesforce/contacts: Contacts in Salesforce, in Salesforce's shape (`Id`, `FirstName`, `LastName`,
//! `Email`, `Phone`, `SystemModstamp`, …).

use actix_web::{HttpResponse, web};
use events::{Action, Integration};
use model::ExternalCustomer;
use salesforce_client::{CONTACT_FIELDS, SalesforceClient, SalesforceContact, soql};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ListQuery, announce, checked};
use crate::error::ApiError;
use crate::extract::Trace;
use crate::state::AppState;

/// The writable Contact fields; absent ones are left as they are on update.
#[derive(Debug, Deserialize)]
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
    announce(state, Integration::Salesforce, &event, trace.0.as_str()).await
}

pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<ContactBody>,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let contact = body.into_inner().over(&SalesforceContact::default())?;
    let id = client.create_contact(&contact).await?;
    let created = read(client, &id).await?;
    publish(&state, &created, Action::Created, &trace).await?;
    Ok(HttpResponse::Created().json(shape(client, &created)))
}

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

pub async fn get(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    Ok(HttpResponse::Ok().json(shape(client, &read(client, &id).await?)))
}

pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<ContactBody>,
    trace: Trace,
) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let current = read(client, &id).await?;
    let changed = body.into_inner().over(&current)?;
    client.update_contact(&id, &changed).await?;
    let updated = read(client, &id).await?;
    publish(&state, &updated, Action::Updated, &trace).await?;
    Ok(HttpResponse::Ok().json(shape(client, &updated)))
}

pub async fn delete(state: web::Data<AppState>, id: web::Path<String>, trace: Trace) -> Result<HttpResponse, ApiError> {
    let client = state.salesforce()?;
    let current = read(client, &id).await?;
    client.delete_contact(&id).await?;
    publish(&state, &SalesforceContact { is_deleted: Some(true), ..current }, Action::Deleted, &trace).await?;
    Ok(HttpResponse::NoContent().finish())
}
