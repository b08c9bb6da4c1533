//! Single-record Contact endpoints: create, get, update, delete, get and upsert by external id.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;

use super::{contact_only, created, json_object, lock_fault, no_content, version};
use crate::app::Sim;
use crate::error::{ApiError, RecordError};
use crate::ids;
use crate::record::{WriteMode, to_api, validate};
use crate::schema::FieldDef;
use crate::state::{Actor, ChangeEvent, State};
use chrono::{DateTime, Utc};

#[derive(Deserialize)]
pub struct FieldsParam {
    fields: Option<String>,
}

/// Resolves a path id: MALFORMED_ID for id-shaped values that are not Contact ids, NOT_FOUND otherwise.
pub fn path_id(raw: &str) -> Result<String, ApiError> {
    if let Some(id) = ids::normalize_with_prefix(raw, ids::CONTACT_PREFIX) {
        return Ok(id);
    }
    if matches!(raw.len(), 15 | 18) && raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(RecordError::malformed_id(raw).into());
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("Provided external ID field does not exist or is not accessible: {raw}"),
    ))
}

/// The `fields` parameter resolved to canonical names, or INVALID_FIELD.
pub fn field_list(sim: &Sim, fields: Option<&str>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(list) = fields.filter(|f| !f.trim().is_empty()) else { return Ok(None) };
    list.split(',')
        .map(|name| {
            let name = name.trim();
            sim.store.schema.field(name).map(|f| f.name.clone()).ok_or_else(|| {
                ApiError::bad_request("INVALID_FIELD", format!("No such column '{name}' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."))
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub async fn create(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    contact_only(&path.1)?;
    let changes = validate(&sim.store.schema, &json_object(&body)?, WriteMode::Create)?;
    lock_fault(&sim, None)?;
    let now = sim.now();
    let id = sim.store.write(|st, ev| {
        let (id, e) = st.create(&sim.store.schema, changes, &actor, now)?;
        ev.push(e);
        Ok::<_, RecordError>(id)
    })?;
    Ok(HttpResponse::Created().json(created(&id, None)))
}

pub async fn get(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
    q: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    contact_only(&path.1)?;
    let id = path_id(&path.2)?;
    let fields = field_list(&sim, q.fields.as_deref())?;
    let record = sim.store.read(|st| st.live(&id).map(|r| to_api(&sim.store.schema, r, fields.as_deref(), &v)))?;
    Ok(HttpResponse::Ok().json(record))
}

pub async fn update(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    contact_only(&path.1)?;
    let id = path_id(&path.2)?;
    let changes = validate(&sim.store.schema, &json_object(&body)?, WriteMode::Update)?;
    lock_fault(&sim, Some(&id))?;
    let now = sim.now();
    sim.store.write(|st, ev| st.update(&sim.store.schema, &id, changes, &actor, now).map(|e| ev.push(e)))?;
    Ok(no_content())
}

pub async fn delete(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    contact_only(&path.1)?;
    let id = path_id(&path.2)?;
    lock_fault(&sim, Some(&id))?;
    let now = sim.now();
    sim.store.write(|st, ev| st.delete(&id, &actor, now).map(|e| ev.push(e)))?;
    Ok(no_content())
}

/// The external-id field named in a path, or NOT_FOUND as Salesforce answers for other fields.
fn external_field<'a>(sim: &'a Sim, name: &str) -> Result<&'a FieldDef, ApiError> {
    sim.store.schema.field(name).filter(|f| f.external_id).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {name}"),
        )
    })
}

/// 300 Multiple Choices: the URLs of the matching records.
fn multiple_choices(version: &str, ids: &[String]) -> HttpResponse {
    let urls: Vec<String> = ids.iter().map(|id| format!("/services/data/{version}/sobjects/Contact/{id}")).collect();
    HttpResponse::MultipleChoices().json(urls)
}

pub async fn get_by_external_id(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String, String, String)>,
    q: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    contact_only(&path.1)?;
    let field = external_field(&sim, &path.2)?;
    let fields = field_list(&sim, q.fields.as_deref())?;
    let matches = sim.store.read(|st| st.find_live(field, &path.3));
    match matches.as_slice() {
        [] => Err(ApiError::not_found()),
        [id] => {
            let record =
                sim.store.read(|st| st.live(id).map(|r| to_api(&sim.store.schema, r, fields.as_deref(), &v)))?;
            Ok(HttpResponse::Ok().json(record))
        }
        many => Ok(multiple_choices(&v, many)),
    }
}

pub async fn upsert(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    path: web::Path<(String, String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    contact_only(&path.1)?;
    let field = external_field(&sim, &path.2)?;
    let value = path.3.clone();
    let mut body = json_object(&body)?;
    strip_external_value(&mut body, &field.name, &value)?;
    let outcome = upsert_one(&sim, &actor, field, &value, body)?;
    match outcome {
        Upserted::Created(id) => Ok(HttpResponse::Created().json(created(&id, Some(true)))),
        Upserted::Updated(id) => Ok(HttpResponse::Ok().json(created(&id, Some(false)))),
        Upserted::Multiple(ids) => Ok(multiple_choices(&v, &ids)),
    }
}

/// The body may repeat the external id only with the same value.
fn strip_external_value(body: &mut serde_json::Map<String, Value>, field: &str, value: &str) -> Result<(), ApiError> {
    let key = body.keys().find(|k| k.eq_ignore_ascii_case(field)).cloned();
    if let Some(key) = key {
        if body.get(&key).and_then(Value::as_str) != Some(value) {
            return Err(ApiError::bad_request(
                "INVALID_FIELD",
                format!("The external ID field {field} in the body does not match the value in the URL"),
            ));
        }
        body.remove(&key);
    }
    Ok(())
}

pub enum Upserted {
    Created(String),
    Updated(String),
    Multiple(Vec<String>),
}

/// Creates or updates the record whose external id is `value`, taking the lock.
pub fn upsert_one(
    sim: &Sim,
    actor: &Actor,
    field: &FieldDef,
    value: &str,
    body: serde_json::Map<String, Value>,
) -> Result<Upserted, RecordError> {
    let now = sim.now();
    sim.store.write(|st, ev| upsert_in(sim, st, ev, actor, (field, value), &body, now))
}

/// Upsert inside a critical section (shared with collections). The record is found as the field compares
/// values: an external id that is not case-sensitive matches regardless of case.
pub fn upsert_in(
    sim: &Sim,
    st: &mut State,
    ev: &mut Vec<ChangeEvent>,
    actor: &Actor,
    (field, value): (&FieldDef, &str),
    body: &serde_json::Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Upserted, RecordError> {
    let schema = &sim.store.schema;
    let matches = st.find_live(field, value);
    match matches.as_slice() {
        [] => {
            let mut body = body.clone();
            body.insert(field.name.clone(), Value::String(value.to_owned()));
            let changes = validate(schema, &body, WriteMode::Create)?;
            lock_fault(sim, None)?;
            let (id, e) = st.create(schema, changes, actor, now)?;
            ev.push(e);
            Ok(Upserted::Created(id))
        }
        [id] => {
            let changes = validate(schema, body, WriteMode::Update)?;
            lock_fault(sim, Some(id))?;
            ev.push(st.update(schema, id, changes, actor, now)?);
            Ok(Upserted::Updated(id.clone()))
        }
        many => Ok(Upserted::Multiple(many.to_vec())),
    }
}
