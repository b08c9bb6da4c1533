//! Describe: the global list, Contact's basic info and its full describe with field metadata.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::{contact_only, version};
use crate::app::Sim;
use crate::error::ApiError;

/// Contact's object-level describe properties.
fn object_info(v: &str) -> Value {
    let base = format!("/services/data/{v}/sobjects/Contact");
    json!({
        "name": "Contact", "label": "Contact", "labelPlural": "Contacts", "keyPrefix": "003",
        "custom": false, "customSetting": false, "activateable": false,
        "createable": true, "updateable": true, "deletable": true, "undeletable": true,
        "queryable": true, "retrieveable": true, "searchable": true, "replicateable": true,
        "layoutable": true, "mergeable": true, "triggerable": true, "feedEnabled": false,
        "urls": {
            "sobject": base, "describe": format!("{base}/describe"),
            "rowTemplate": format!("{base}/{{ID}}"),
        },
    })
}

pub async fn global(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    Ok(HttpResponse::Ok().json(json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": [object_info(&v)]})))
}

pub async fn basic(req: HttpRequest, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    contact_only(&path.1)?;
    Ok(HttpResponse::Ok().json(json!({"objectDescribe": object_info(&v), "recentItems": []})))
}

pub async fn describe(
    sim: web::Data<Sim>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let v = version(&req)?;
    contact_only(&path.1)?;
    let mut body = object_info(&v);
    body["fields"] = Value::Array(sim.store.schema.describe_fields());
    body["childRelationships"] = json!([]);
    body["recordTypeInfos"] = json!([]);
    Ok(HttpResponse::Ok().json(body))
}
