//! sObject Collections: create, update, upsert, delete and retrieve up to 200 Contacts in one API call,
//! results in request order with per-record `statusCode` errors, and `allOrNone` rollback.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::sobject::{Upserted, field_list, upsert_in};
use super::{contact_only, created, lock_fault, version};
use crate::app::Sim;
use crate::error::{ApiError, RecordError};
use crate::ids;
use crate::record::{WriteMode, to_api, validate};
use crate::state::{Actor, ChangeEvent, State};

const MAX_RECORDS: usize = 200;

#[derive(Deserialize)]
pub struct Body {
    #[serde(default, rename = "allOrNone")]
    all_or_none: bool,
    records: Vec<Map<String, Value>>,
}

fn parse_body(bytes: &[u8]) -> Result<Body, ApiError> {
    let body: Body = serde_json::from_slice(bytes).map_err(ApiError::json_parse)?;
    check_count(body.records.len())?;
    Ok(body)
}

fn check_count(n: usize) -> Result<(), ApiError> {
    if n > MAX_RECORDS {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        ));
    }
    Ok(())
}

type Outcome = Result<Value, (Option<String>, RecordError)>;

/// Runs one operation per record inside one critical section. With `all_or_none`, any failure restores
/// the records and id sequence, drops the change events, and fails every other record with
/// ALL_OR_NONE_OPERATION_ROLLED_BACK (see [`roll_back`]).
fn run_batch(
    sim: &Sim,
    all_or_none: bool,
    n: usize,
    op: impl Fn(&mut State, &mut Vec<ChangeEvent>, usize) -> Outcome,
) -> Vec<Value> {
    let outcomes = sim.store.write(|st, ev| {
        let snapshot = all_or_none.then(|| (st.contacts.clone(), st.seq, st.index.clone()));
        let outcomes: Vec<Outcome> = (0..n).map(|i| op(st, ev, i)).collect();
        if let (Some((contacts, seq, index)), true) = (snapshot, outcomes.iter().any(Result::is_err)) {
            st.contacts = contacts;
            st.seq = seq;
            st.index = index;
            ev.clear();
            return outcomes.into_iter().map(roll_back).collect();
        }
        outcomes
    });
    outcomes.into_iter().map(result_json).collect()
}

/// A record's outcome once the batch is rolled back: failures stand; successes fail with
/// ALL_OR_NONE_OPERATION_ROLLED_BACK and lose their id, as in Salesforce, where a result carries an id
/// only when its record was saved.
fn roll_back(outcome: Outcome) -> Outcome {
    outcome.and_then(|_| Err((None, rolled_back())))
}

fn rolled_back() -> RecordError {
    RecordError::new(
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header",
        &[],
    )
}

fn result_json(outcome: Outcome) -> Value {
    match outcome {
        Ok(v) => v,
        Err((id, e)) => {
            let mut v = json!({"success": false, "errors": [e]});
            if let Some(id) = id {
                v["id"] = Value::String(id);
            }
            v
        }
    }
}

fn check_type(record: &Map<String, Value>) -> Result<(), RecordError> {
    let t = record.get("attributes").and_then(|a| a.get("type")).and_then(Value::as_str);
    match t {
        Some(t) if t.eq_ignore_ascii_case("Contact") => Ok(()),
        Some(t) => Err(RecordError::new("INVALID_TYPE", format!("sObject type '{t}' is not supported."), &[])),
        None => Err(RecordError::new("INVALID_TYPE", "Must send a concrete entity type.", &[])),
    }
}

pub async fn create(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    let body = parse_body(&body)?;
    let schema = &sim.store.schema;
    let now = sim.now();
    let results = run_batch(&sim, body.all_or_none, body.records.len(), |st, ev, i| {
        let record = &body.records[i];
        let mut attempt = || -> Result<String, RecordError> {
            check_type(record)?;
            let changes = validate(schema, record, WriteMode::Create)?;
            lock_fault(&sim, None)?;
            let (id, e) = st.create(schema, changes, &actor, now)?;
            ev.push(e);
            Ok(id)
        };
        attempt().map(|id| created(&id, None)).map_err(|e| (None, e))
    });
    Ok(HttpResponse::Ok().json(results))
}

pub async fn update(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    let body = parse_body(&body)?;
    let schema = &sim.store.schema;
    let now = sim.now();
    let results = run_batch(&sim, body.all_or_none, body.records.len(), |st, ev, i| {
        let record = &body.records[i];
        let raw_id = record.iter().find(|(k, _)| k.eq_ignore_ascii_case("id")).and_then(|(_, v)| v.as_str());
        let id = raw_id.and_then(|r| ids::normalize_with_prefix(r, ids::CONTACT_PREFIX));
        let mut attempt = || -> Result<(), RecordError> {
            check_type(record)?;
            let id = match (raw_id, &id) {
                (None, _) => {
                    return Err(RecordError::new("MISSING_ARGUMENT", "Id not specified in an update call", &[]));
                }
                (Some(raw), None) => return Err(RecordError::malformed_id(raw)),
                (_, Some(id)) => id,
            };
            let changes = validate(schema, record, WriteMode::Update)?;
            lock_fault(&sim, Some(id))?;
            ev.push(st.update(schema, id, changes, &actor, now)?);
            Ok(())
        };
        let shown = id.clone().or_else(|| raw_id.map(String::from));
        attempt().map(|()| created(id.as_deref().unwrap_or_default(), None)).map_err(|e| (shown, e))
    });
    Ok(HttpResponse::Ok().json(results))
}

pub async fn upsert(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    contact_only(&path.1)?;
    let field = sim.store.schema.field(&path.2).filter(|f| f.external_id).ok_or_else(|| {
        ApiError::bad_request(
            "INVALID_FIELD",
            format!("Field name provided, {}, is not an External ID or indexed field for Contact", path.2),
        )
    })?;
    let body = parse_body(&body)?;
    let now = sim.now();
    let results = run_batch(&sim, body.all_or_none, body.records.len(), |st, ev, i| {
        let mut attempt = || -> Result<Value, RecordError> {
            let (value, rest) = split_external(&body.records[i], &field.name)?;
            match upsert_in(&sim, st, ev, &actor, (field, &value), &rest, now)? {
                Upserted::Created(id) => Ok(created(&id, Some(true))),
                Upserted::Updated(id) => Ok(created(&id, Some(false))),
                Upserted::Multiple(_) => Err(RecordError::new(
                    "DUPLICATE_EXTERNAL_ID",
                    format!("{}: more than one record found for external id field: {value}", field.name),
                    &[&field.name],
                )),
            }
        };
        attempt().map_err(|e| (None, e))
    });
    Ok(HttpResponse::Ok().json(results))
}

/// The external id value of a record and its other fields.
fn split_external(record: &Map<String, Value>, field: &str) -> Result<(String, Map<String, Value>), RecordError> {
    check_type(record)?;
    let mut rest = record.clone();
    let key = rest.keys().find(|k| k.eq_ignore_ascii_case(field)).cloned();
    let value = key.and_then(|k| rest.remove(&k)).and_then(|v| v.as_str().map(String::from)).filter(|v| !v.is_empty());
    let value =
        value.ok_or_else(|| RecordError::new("MISSING_ARGUMENT", format!("{field} not specified"), &[field]))?;
    Ok((value, rest))
}

#[derive(Deserialize)]
pub struct DeleteParams {
    ids: Option<String>,
    #[serde(rename = "allOrNone")]
    all_or_none: Option<bool>,
}

fn split_ids(ids: Option<&str>) -> Vec<String> {
    ids.unwrap_or_default().split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

pub async fn delete(
    sim: web::Data<Sim>,
    req: HttpRequest,
    actor: Actor,
    q: web::Query<DeleteParams>,
) -> Result<HttpResponse, ApiError> {
    version(&req)?;
    let raw = split_ids(q.ids.as_deref());
    check_count(raw.len())?;
    let now = sim.now();
    let results = run_batch(&sim, q.all_or_none.unwrap_or(false), raw.len(), |st, ev, i| {
        let Some(id) = ids::normalize_with_prefix(&raw[i], ids::CONTACT_PREFIX) else {
            return Err((
                Some(raw[i].clone()),
                RecordError::new("MALFORMED_ID", format!("malformed id {}", raw[i]), &[]),
            ));
        };
        let mut attempt = || -> Result<(), RecordError> {
            lock_fault(&sim, Some(&id))?;
            ev.push(st.delete(&id, &actor, now)?);
            Ok(())
        };
        attempt().map(|()| created(&id, None)).map_err(|e| (Some(id.clone()), e))
    });
    Ok(HttpResponse::Ok().json(results))
}

#[derive(Deserialize)]
pub struct RetrieveParams {
    ids: Option<String>,
    fields: Option<String>,
}

pub async fn retrieve(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: web::Query<RetrieveParams>,
) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    contact_only(&path.1)?;
    let raw = split_ids(q.ids.as_deref());
    check_count(raw.len())?;
    let fields = field_list(&sim, q.fields.as_deref())?
        .ok_or_else(|| ApiError::bad_request("MISSING_ARGUMENT", "fields parameter is required"))?;
    let records: Vec<Value> = sim.store.read(|st| {
        raw.iter()
            .map(|r| {
                ids::normalize_with_prefix(r, ids::CONTACT_PREFIX)
                    .and_then(|id| st.live(&id).ok())
                    .map_or(Value::Null, |rec| to_api(&sim.store.schema, rec, Some(&fields), &v))
            })
            .collect()
    });
    Ok(HttpResponse::Ok().json(records))
}
