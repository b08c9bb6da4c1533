//! The HTTP surface: the token endpoint, the REST API under `/services/data/vNN.0/`, and the simulator's
//! own control endpoints under `/_sim/` (unauthenticated: bind the simulator to loopback only).

mod admin;
pub use admin::snapshot;
mod collections;
mod describe;
mod misc;
mod query;
mod replication;
mod sobject;

use actix_web::{HttpRequest, HttpResponse, web};
use rand::Rng;
use serde_json::{Map, Value};

use crate::app::Sim;
use crate::error::{ApiError, RecordError};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/services/oauth2/token", web::post().to(crate::auth::token_endpoint))
        .route("/services/data", web::get().to(misc::versions))
        .service(rest_scope())
        .service(admin::scope())
        .default_service(web::to(not_found));
}

fn rest_scope() -> actix_web::Scope {
    use web::{delete, get, patch, post};
    web::scope("/services/data/{version}")
        .route("", get().to(misc::resources))
        .route("/limits", get().to(misc::limits))
        .route("/query", get().to(query::query))
        .route("/query/{locator}", get().to(query::more))
        .route("/queryAll", get().to(query::query_all))
        .route("/queryAll/{locator}", get().to(query::more))
        .route("/composite/sobjects", post().to(collections::create))
        .route("/composite/sobjects", patch().to(collections::update))
        .route("/composite/sobjects", delete().to(collections::delete))
        .route("/composite/sobjects/{sobject}", get().to(collections::retrieve))
        .route("/composite/sobjects/{sobject}/{field}", patch().to(collections::upsert))
        .route("/sobjects", get().to(describe::global))
        .route("/sobjects/{sobject}", post().to(sobject::create))
        .route("/sobjects/{sobject}", get().to(describe::basic))
        .route("/sobjects/{sobject}/describe", get().to(describe::describe))
        .route("/sobjects/{sobject}/updated", get().to(replication::updated))
        .route("/sobjects/{sobject}/deleted", get().to(replication::deleted))
        .route("/sobjects/{sobject}/{id}", get().to(sobject::get))
        .route("/sobjects/{sobject}/{id}", patch().to(sobject::update))
        .route("/sobjects/{sobject}/{id}", delete().to(sobject::delete))
        .route("/sobjects/{sobject}/{field}/{value}", get().to(sobject::get_by_external_id))
        .route("/sobjects/{sobject}/{field}/{value}", patch().to(sobject::upsert))
        .default_service(web::to(not_found))
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found())
}

/// The `vNN.0` segment of the request path (for `attributes.url` and `nextRecordsUrl`).
fn version(req: &HttpRequest) -> Result<String, ApiError> {
    let v = req.match_info().get("version").unwrap_or_default();
    let ok = v
        .strip_prefix('v')
        .and_then(|n| n.strip_suffix(".0"))
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (20..=70).contains(&n));
    ok.then(|| v.to_owned()).ok_or_else(ApiError::not_found)
}

/// Only Contact is simulated; other sObject types do not exist in this org.
fn contact_only(sobject: &str) -> Result<(), ApiError> {
    if sobject.eq_ignore_ascii_case("Contact") { Ok(()) } else { Err(ApiError::not_found()) }
}

/// A JSON object body, or JSON_PARSER_ERROR.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::json_parse(format!("expected an object, got {other}"))),
        Err(e) => Err(ApiError::json_parse(e)),
    }
}

/// The injected UNABLE_TO_LOCK_ROW fault for one record write.
fn lock_fault(sim: &Sim, id: Option<&str>) -> Result<(), RecordError> {
    let rate = sim.faults().unable_to_lock_row_rate.clamp(0.0, 1.0);
    if rand::rng().random_bool(rate) {
        return Err(RecordError::new(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record or 1 records: {}", id.unwrap_or("")),
            &[],
        ));
    }
    Ok(())
}

fn created(id: &str, created: Option<bool>) -> Value {
    let mut v = serde_json::json!({"id": id, "success": true, "errors": []});
    if let Some(c) = created {
        v["created"] = Value::Bool(c);
    }
    v
}

fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}
